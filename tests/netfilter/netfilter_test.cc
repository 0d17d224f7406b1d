#include <linux/netfilter.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "netfilter/builders.h"
#include "netfilter/diff.h"
#include "netfilter/fake_backend.h"
#include "netfilter/nftnl_backend.h"
#include "netfilter/render.h"
#include "netfilter/values.h"

namespace kubenode::netfilter {
namespace {

namespace b = build;

Table Sample(std::vector<std::pair<Bytes, Bytes>> elements, bool with_rule = true) {
  Table t{NFPROTO_IPV4, "t", {}, {}};
  Set& m = t.sets["m"];
  m.name = "m";
  m.key = {DataType::kIpv4Addr, DataType::kInetProto, DataType::kInetService};
  m.data = {DataType::kIpv4Addr, DataType::kInetService};
  for (auto& [k, v] : elements) m.elements[k] = v;
  Chain c{"c", BaseHook{"nat", NF_INET_PRE_ROUTING, -100}, {}};
  if (with_rule)
    c.rules.push_back(Rule{{b::IpDaddr(Reg32(0)), b::L4Proto(Reg32(1)), b::ThDport(Reg32(2)),
                            b::LookupMap(Reg32(0), "m", Reg32(0)), b::DnatTo(Reg32(0), Reg32(1))}, 0});
  t.chains.push_back(c);
  return t;
}

std::pair<Bytes, Bytes> Elem(const char* vip, uint16_t port, const char* ep) {
  return {Concat({Ipv4OrDie(vip), Proto(6), Port(port)}), Concat({Ipv4OrDie(ep), Port(8080)})};
}

TEST(ValuesTest, ConcatPadsFieldsToRegisters) {
  Bytes key = Concat({Ipv4OrDie("10.0.0.1"), Proto(17), Port(53)});
  ASSERT_EQ(key.size(), 12u);
  EXPECT_EQ(FormatValue({DataType::kIpv4Addr, DataType::kInetProto, DataType::kInetService}, key), "10.0.0.1 . udp . 53");
  EXPECT_EQ(EncodeTypeId({DataType::kIpv4Addr, DataType::kInetService}), (7u << 6) | 13u);
  EXPECT_EQ(DecodeTypeId((7u << 6) | 13u, 8), (TypeList{DataType::kIpv4Addr, DataType::kInetService}));
  EXPECT_FALSE(DecodeTypeId((7u << 6) | 13u, 6).has_value());
  EXPECT_FALSE(Ipv4("10.0.0").ok());
}

TEST(RenderTest, RulesRenderInNftSyntax) {
  Table t = Sample({Elem("10.96.0.1", 80, "10.88.0.2")});
  EXPECT_EQ(RenderRule(t.chains[0].rules[0], &t), "dnat ip to ip daddr . meta l4proto . th dport map @m");
  Rule r{{}, 0};
  Result<b::Exprs> prefix = b::IpPrefix(false, "10.88.0.0/16", true);
  ASSERT_TRUE(prefix.ok());
  r.exprs = *prefix;
  for (auto& e : b::MarkOr(0x4000)) r.exprs.push_back(e);
  EXPECT_EQ(RenderRule(r, nullptr), "ip saddr != 10.88.0.0/16 meta mark set meta mark | 0x00004000");
  Rule reject{b::FibDaddrLocal(), 0};
  reject.exprs.push_back(b::RejectDefault());
  EXPECT_EQ(RenderRule(reject, nullptr), "fib daddr type local reject");
  EXPECT_EQ(RenderSet(t.sets.at("m")),
            "\tmap m {\n\t\ttype ipv4_addr . inet_proto . inet_service : ipv4_addr . inet_service\n"
            "\t\telements = { 10.96.0.1 . tcp . 80 : 10.88.0.2 . 8080 }\n\t}\n");
}

TEST(DiffTest, CreatesEverythingFromNothingThenOnlyElements) {
  Table a = Sample({Elem("10.96.0.1", 80, "10.88.0.2"), Elem("10.96.0.2", 80, "10.88.0.3")});
  Transaction create = Diff(nullptr, a);
  EXPECT_TRUE(std::holds_alternative<AddTable>(create.ops[0]));
  EXPECT_EQ(create.ElementOps(), 2u);

  FakeBackend fake;
  ASSERT_TRUE(fake.Apply(create).ok());
  auto live = fake.Dump(NFPROTO_IPV4, "t");
  ASSERT_TRUE(live.ok() && live->has_value());
  EXPECT_TRUE(Diff(&**live, a).empty());

  Table b = Sample({Elem("10.96.0.1", 80, "10.88.0.9"), Elem("10.96.0.3", 80, "10.88.0.3")});
  Transaction tx = Diff(&**live, b);
  EXPECT_EQ(tx.NonElementOps(), 0u);
  EXPECT_EQ(tx.ElementOps(), 4u);  // 2 deletes (changed data, removed) + 2 adds
  ASSERT_TRUE(fake.Apply(tx).ok());
  EXPECT_EQ(RenderTable(**fake.Dump(NFPROTO_IPV4, "t")), RenderTable(b));
}

TEST(DiffTest, RuleChangesKeepOrderAndUseHandles) {
  FakeBackend fake;
  Table a = Sample({});
  ASSERT_TRUE(fake.Apply(Diff(nullptr, a)).ok());
  Table b = a;
  Rule drop{{b::Drop()}, 0};
  b.chains[0].rules.insert(b.chains[0].rules.begin(), drop);
  auto live = fake.Dump(NFPROTO_IPV4, "t");
  Transaction tx = Diff(&**live, b);
  ASSERT_EQ(tx.ops.size(), 1u);
  const auto& add = std::get<AddRule>(tx.ops[0]);
  EXPECT_EQ(add.before_handle, (*live)->chains[0].rules[0].handle);
  ASSERT_TRUE(fake.Apply(tx).ok());
  EXPECT_EQ(RenderTable(**fake.Dump(NFPROTO_IPV4, "t")), RenderTable(b));

  Table c = Sample({}, /*with_rule=*/false);
  live = fake.Dump(NFPROTO_IPV4, "t");
  tx = Diff(&**live, c);
  EXPECT_EQ(tx.ops.size(), 2u);  // two rule deletions, by handle
  ASSERT_TRUE(fake.Apply(tx).ok());
  EXPECT_EQ(RenderTable(**fake.Dump(NFPROTO_IPV4, "t")), RenderTable(c));
}

TEST(DiffTest, IncompatibleDefinitionRecreatesTableInOneTransaction) {
  FakeBackend fake;
  ASSERT_TRUE(fake.Apply(Diff(nullptr, Sample({}))).ok());
  Table other = Sample({});
  other.chains[0].base->priority = -90;
  Transaction tx = Diff(&**fake.Dump(NFPROTO_IPV4, "t"), other);
  EXPECT_TRUE(std::holds_alternative<DeleteTable>(tx.ops[0]));
  ASSERT_TRUE(fake.Apply(tx).ok());
  EXPECT_EQ((*fake.Dump(NFPROTO_IPV4, "t"))->chains[0].base->priority, -90);
}

TEST(FakeBackendTest, FailingTransactionChangesNothingAndNamesTheObject) {
  FakeBackend fake;
  ASSERT_TRUE(fake.Apply(Diff(nullptr, Sample({Elem("10.96.0.1", 80, "10.88.0.2")}))).ok());
  const std::string before = RenderTable(**fake.Dump(NFPROTO_IPV4, "t"));
  Transaction tx{NFPROTO_IPV4, "t", {}};
  tx.ops.push_back(AddElements{"m", {Elem("10.96.0.7", 80, "10.88.0.7")}});
  tx.ops.push_back(DeleteElements{"m", {Elem("10.96.0.9", 80, "").first}, false});
  Status s = fake.Apply(tx);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "delete element from map m: 10.96.0.9 . tcp . 80: No such file or directory");
  EXPECT_EQ(RenderTable(**fake.Dump(NFPROTO_IPV4, "t")), before);

  Transaction del_set{NFPROTO_IPV4, "t", {DeleteSet{"m"}}};
  Status busy = fake.Apply(del_set);
  ASSERT_FALSE(busy.ok());
  EXPECT_NE(busy.message().find("set in use by chain c"), std::string::npos) << busy.message();
}

}  // namespace
}  // namespace kubenode::netfilter

namespace kubenode::netfilter {
namespace {

TEST(NftnlBackendTest, SocketBufferErrorsAreReturnedNotIgnored) {
  Status bad = SetSocketBuffer(-1, true, 1 << 20);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.message(), "set SO_RCVBUF to 1048576 bytes: Bad file descriptor");
  EXPECT_EQ(SetSocketBuffer(-1, false, 4096).message(), "set SO_SNDBUF to 4096 bytes: Bad file descriptor");
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  EXPECT_TRUE(SetSocketBuffer(fd, true, 1 << 20).ok());
  EXPECT_TRUE(SetSocketBuffer(fd, false, 1 << 16).ok());
  close(fd);
}

}  // namespace
}  // namespace kubenode::netfilter
