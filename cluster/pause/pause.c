/*
 * kubenode pause program: the first process of every pod sandbox of a `kubenode cluster` node (the image
 * registry.k8s.io/pause:3.9 that `cluster create` builds; the binary is embedded in kubenode, see cluster/image_build.h).
 * It holds the pod's namespaces open and does nothing else:
 *  - sleeps in pause() forever;
 *  - exits 0 on SIGINT or SIGTERM (so a sandbox stops at once);
 *  - reaps every zombie it inherits on SIGCHLD (it is PID 1 of a shared PID namespace).
 * Built statically (gcc -static -Os) so the image needs no libraries at all.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static void on_stop(int sig) {
  static const char msg[] = "pause: shutting down on signal\n";
  (void)sig;
  (void)!write(STDERR_FILENO, msg, sizeof msg - 1);
  _exit(0);
}

static void on_child(int sig) {
  int saved = errno;
  (void)sig;
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
  errno = saved;
}

static int install(int sig, void (*handler)(int), int flags) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = handler;
  sa.sa_flags = flags;
  sigemptyset(&sa.sa_mask);
  return sigaction(sig, &sa, NULL);
}

int main(int argc, char **argv) {
  if (argc > 1 && (strcmp(argv[1], "-v") == 0 || strcmp(argv[1], "--version") == 0)) {
    printf("kubenode-pause 1.0\n");
    return 0;
  }
  if (getpid() != 1) {
    fprintf(stderr, "pause: warning: not running as PID 1\n");
  }
  if (install(SIGINT, on_stop, 0) < 0 || install(SIGTERM, on_stop, 0) < 0 ||
      install(SIGCHLD, on_child, SA_NOCLDSTOP | SA_RESTART) < 0) {
    perror("pause: sigaction");
    return 1;
  }
  for (;;) {
    pause();
  }
  return 42; /* not reached */
}
