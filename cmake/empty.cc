// Placeholder for a module that has only headers so far.
