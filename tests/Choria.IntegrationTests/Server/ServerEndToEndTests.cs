using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Choria.IntegrationTests.Infrastructure;
using Choria.Protocol.Filters;
using Choria.Protocol.Messages;
using Choria.Protocol.Subjects;
using Choria.Security.Dev;

namespace Choria.IntegrationTests.Server;

[Trait(TestCategory.Name, TestCategory.Process)]
public sealed class ServerEndToEndTests(ServerNetworkFixture fixture) : IClassFixture<ServerNetworkFixture>
{
    private const string Node1 = ServerNetworkFixture.Node1;
    private const string Node2 = ServerNetworkFixture.Node2;
    private readonly ChoriaTestClient _client = fixture.Client;

    private static JsonElement Body(DecodedReply reply) => JsonDocument.Parse(reply.Reply.Message).RootElement.Clone();

    private static JsonElement WireBody(string capture) =>
        JsonDocument.Parse(File.ReadAllBytes(TestPaths.Fixture("wire", capture + ".decoded.json"))).RootElement.GetProperty("body").Clone();

    private static Filter Build(Action<FilterBuilder> configure)
    {
        var builder = new FilterBuilder();
        configure(builder);
        return builder.Build();
    }

    private async Task<JsonElement> StatsAsync(string node)
    {
        var reply = Assert.Single(await _client.RpcAsync("rpcutil", "daemon_stats", node: node));
        return Body(reply).GetProperty("data");
    }

    private static long Counter(JsonElement stats, string name) => stats.GetProperty(name).GetInt64();

    [Fact]
    public async Task Discovery_honours_every_filter_kind()
    {
        Assert.Equal([Node1, Node2], await _client.DiscoverAsync(expected: 2));
        Assert.Equal([Node1], await _client.DiscoverAsync(Build(b => b.AddIdentity(Node1))));
        Assert.Equal([Node2], await _client.DiscoverAsync(Build(b => b.AddIdentity("/node2/"))));
        Assert.Equal([Node1], await _client.DiscoverAsync(Build(b => b.AddClass("role::db"))));
        Assert.Equal([Node2], await _client.DiscoverAsync(Build(b => b.AddClass("/^role::w/"))));
        Assert.Equal([Node1], await _client.DiscoverAsync(Build(b => Assert.True(b.TryAddFact("role=db", out _)))));
        Assert.Equal([Node2], await _client.DiscoverAsync(Build(b => Assert.True(b.TryAddFact("inumber>1", out _)))));
        Assert.Equal([Node1, Node2], await _client.DiscoverAsync(Build(b => b.AddAgent("rpcutil")), expected: 2));
        Assert.Empty(await _client.DiscoverAsync(Build(b => b.AddAgent("rpcutil").AddAgent("nope")), timeout: TimeSpan.FromSeconds(1)));
        Assert.Equal([Node2], await _client.DiscoverAsync(Build(b => Assert.True(b.TryAddCompound("role=web and hostname=node4", out _)))));
        Assert.Equal([Node1], await _client.DiscoverAsync(collective: "other"));
    }

    [Theory]
    [InlineData("ping", "{}", "04-rpc-reply-rpcutil-ping")]
    [InlineData("inventory", "{}", "08-rpc-reply-rpcutil-inventory")]
    [InlineData("get_fact", """{"fact":"role"}""", "11-rpc-reply-get-fact")]
    [InlineData("get_config_item", """{"item":"identity"}""", "13-rpc-reply-get-config-item")]
    [InlineData("agent_inventory", "{}", "22-rpc-reply-agent-inventory")]
    [InlineData("collective_info", "{}", "23-rpc-reply-collective-info")]
    [InlineData("get_data", """{"source":"nosuchplugin"}""", "21-rpc-reply-error-statuscode-5")]
    public async Task Rpcutil_replies_have_the_wire_capture_shape(string action, string data, string capture)
    {
        var reply = Assert.Single(await _client.RpcAsync("rpcutil", action, data, node: Node1));
        var body = Body(reply);
        var expected = WireBody(capture);

        Assert.Equal(Node1, reply.Reply.Envelope.SenderId);
        Assert.Equal(Node1, reply.Headers.McSender);
        Assert.Equal(expected.GetProperty("statuscode").GetInt32(), body.GetProperty("statuscode").GetInt32());
        var expectedKeys = expected.GetProperty("data").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToList();
        var actualKeys = body.GetProperty("data").EnumerateObject().Select(p => p.Name).ToList();
        Assert.All(expectedKeys, k => Assert.Contains(k, actualKeys));
        if (action == "inventory")
        {
            var agents = body.GetProperty("data").GetProperty("agents").EnumerateArray().Select(a => a.GetString()).ToList();
            Assert.Equal(["choria_util", "discovery", "rpcutil"], agents);
            Assert.Equal("db", body.GetProperty("data").GetProperty("facts").GetProperty("role").GetString());
        }
    }

    [Fact]
    public async Task Remaining_rpcutil_and_choria_util_actions_answer()
    {
        var facts = Body(Assert.Single(await _client.RpcAsync("rpcutil", "get_facts", """{"facts":"role, inumber ,missing"}""", node: Node1)));
        Assert.Equal(0, facts.GetProperty("statuscode").GetInt32());
        var values = facts.GetProperty("data").GetProperty("values");
        Assert.Equal("db", values.GetProperty("role").GetString());
        Assert.Equal(JsonValueKind.Null, values.GetProperty("missing").ValueKind);

        var nested = Body(Assert.Single(await _client.RpcAsync("rpcutil", "get_fact", """{"fact":"nested.string"}""", node: Node1)));
        Assert.Equal("nested hello world", nested.GetProperty("data").GetProperty("value").GetString());

        var stats = await StatsAsync(Node1);
        Assert.True(Counter(stats, "validated") > 0);
        Assert.True(Counter(stats, "replies") > 0);

        var info = Body(Assert.Single(await _client.RpcAsync("choria_util", "info", node: Node1)));
        Assert.Equal(0, info.GetProperty("statuscode").GetInt32());
        var infoData = info.GetProperty("data");
        var clientStats = infoData.GetProperty("client_stats");
        Assert.True(clientStats.GetProperty("in_msgs").GetInt64() > 0);
        Assert.True(clientStats.GetProperty("out_msgs").GetInt64() > 0);
        Assert.True(clientStats.GetProperty("in_bytes").GetInt64() > 0);
        Assert.True(clientStats.GetProperty("out_bytes").GetInt64() > 0);
        // docs/agents.md: middleware_servers are host:port, the client option servers are URLs.
        Assert.All(infoData.GetProperty("middleware_servers").EnumerateArray(), m => Assert.Matches(@"^[^/]+:\d+$", m.GetString()!));
        Assert.All(infoData.GetProperty("client_options").GetProperty("servers").EnumerateArray(), m => Assert.StartsWith("nats://", m.GetString()!, StringComparison.Ordinal));
    }

    public static TheoryData<string> WireRequests()
    {
        var data = new TheoryData<string>();
        foreach (var path in Directory.GetFiles(TestPaths.Fixture("wire"), "*-request-*.bin").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(path));
        }

        return data;
    }

    /// <summary>Request capture prefix → the capture of its reply (the meta files' "reply to NN").</summary>
    private static readonly Dictionary<string, string> s_capturedReplies = new(StringComparer.Ordinal)
    {
        ["03"] = "04-rpc-reply-rpcutil-ping",
        ["05"] = "06-rpc-reply-direct-rpcutil-ping",
        ["07"] = "08-rpc-reply-rpcutil-inventory",
        ["10"] = "11-rpc-reply-get-fact",
        ["12"] = "13-rpc-reply-get-config-item",
        ["20"] = "21-rpc-reply-error-statuscode-5",
    };

    private static List<string> Keys(JsonElement o) => [.. o.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(WireRequests))]
    public async Task Wire_captured_requests_replayed_with_fresh_time_are_answered(string capture)
    {
        Assert.True(ProtocolDecoder.TryDecodeRequest(File.ReadAllBytes(TestPaths.Fixture("wire", capture)), out var decoded, out var error), error?.Message);
        var inner = JsonNode.Parse(decoded.Secure.Message)!.AsObject();
        var envelope = inner["envelope"]!.AsObject();
        var requestId = Guid.NewGuid().ToString("N");
        envelope["requestid"] = requestId;
        envelope["time"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        envelope["callerid"] = "choria=rip.mcollective";
        if (capture.StartsWith("24-", StringComparison.Ordinal))
        {
            // Re-signed by us the tampered capture is a valid "PING": rpcutil has no such action.
            inner["message"] = inner["message"]!.GetValue<string>().Replace("PING", "ping", StringComparison.Ordinal);
        }

        var agent = envelope["agent"]!.GetValue<string>();
        var prepared = _client.Sign(inner.ToJsonString(), requestId, "mcollective");

        var replies = await _client.RequestAsync(prepared, agent, expected: 1, timeout: TimeSpan.FromSeconds(3));

        var reply = Assert.Single(replies);
        Assert.Equal(requestId, reply.Reply.Envelope.RequestId);
        Assert.Equal(agent, reply.Reply.Envelope.Agent);
        var filter = decoded.Request.Envelope.Filter;
        var expectedNode = filter.Compound.Count > 0 ? Node2 : Node1;
        if (filter.IsEmpty || filter is { Fact.Count: 0, CfClass.Count: 0, Identity.Count: 0, Compound.Count: 0 })
        {
            Assert.Contains(reply.Reply.Envelope.SenderId, new[] { Node1, Node2 });
        }
        else
        {
            Assert.Equal(expectedNode, reply.Reply.Envelope.SenderId);
        }

        if (agent == "discovery")
        {
            Assert.Equal("pong", reply.Reply.Message);
        }
        else
        {
            var body = Body(reply);
            var status = body.GetProperty("statuscode").GetInt32();
            Assert.Equal(capture.StartsWith("20-", StringComparison.Ordinal) ? 5 : 0, status);
            if (s_capturedReplies.TryGetValue(capture[..2], out var replyCapture))
            {
                var expected = WireBody(replyCapture);
                Assert.Equal(Keys(expected), Keys(body));
                // The captures come from Ruby servers: the same keys, no more (old clients render by DDL).
                Assert.Equal(Keys(expected.GetProperty("data")), Keys(body.GetProperty("data")));
            }
        }
    }

    private async Task AssertDroppedAsync(byte[] payload, string counter, string subject = $"mcollective.node.{Node1}", string replyTo = "mcollective.reply.rip.mcollective.dropped")
    {
        // The daemon_stats call that reads the "after" values is itself one more validated request.
        var delta = counter == "validated" ? 2 : 1;
        var before = await StatsAsync(Node1);
        var replies = await _client.PublishAndCollectAsync(subject, payload, replyTo, 1, TimeSpan.FromMilliseconds(700));
        Assert.Empty(replies);
        var after = await StatsAsync(Node1);

        Assert.True(Counter(after, counter) == Counter(before, counter) + delta, $"{counter}: before {Counter(before, counter)}, after {Counter(after, counter)}");
        Assert.Equal(Counter(before, "total") + 2, Counter(after, "total"));
        Assert.Equal([Node1], await _client.DiscoverAsync(Build(b => b.AddIdentity(Node1)), expected: 1));
    }

    [Fact]
    public async Task Garbage_is_counted_unvalidated()
    {
        await AssertDroppedAsync("this is not choria"u8.ToArray(), "unvalidated");
    }

    [Fact]
    public async Task Oversized_payload_is_counted_unvalidated()
    {
        var big = _client.Prepare("rpcutil", new string('x', 1_200_000));
        await AssertDroppedAsync(big.Payload, "unvalidated", replyTo: big.ReplyTo);
    }

    [Fact]
    public async Task Wrong_collective_in_the_envelope_is_counted_unvalidated()
    {
        var request = _client.Prepare("discovery", "cGluZw==", collective: "nosuch");
        await AssertDroppedAsync(request.Payload, "unvalidated", replyTo: request.ReplyTo);
    }

    [Fact]
    public async Task Expired_request_is_counted_ttlexpired()
    {
        var request = _client.Prepare("discovery", "cGluZw==", clock: TestClock.Shifted(TimeSpan.FromMinutes(-5)));
        await AssertDroppedAsync(request.Payload, "ttlexpired", replyTo: request.ReplyTo);
    }

    [Fact]
    public async Task Filtered_request_is_counted_filtered()
    {
        var request = _client.Prepare("discovery", "cGluZw==", Build(b => b.AddIdentity(Node2)));
        await AssertDroppedAsync(request.Payload, "filtered", replyTo: request.ReplyTo);
    }

    [Fact]
    public async Task Tampered_signature_is_counted_unvalidated()
    {
        var request = _client.Prepare("discovery", "cGluZw==");
        Assert.True(ProtocolDecoder.TryDecodeSecureRequest(request.Payload, out var decoded, out _));
        var tampered = decoded.Secure with { Message = decoded.Secure.Message.Replace("cGluZw==", "cG9uZw==", StringComparison.Ordinal) };
        var payload = TransportMessage.Create(tampered.ToUtf8Bytes(), decoded.Headers).ToUtf8Bytes();
        await AssertDroppedAsync(payload, "unvalidated", replyTo: request.ReplyTo);
    }

    [Fact]
    public async Task Certificate_from_a_foreign_ca_is_counted_unvalidated()
    {
        var dir = Path.Combine(fixture.Network.Root, "foreign");
        using var foreign = DevCertificateAuthority.Create(dir, "Foreign CA");
        var cert = foreign.IssueCertificate("rip.mcollective", [], dir);
        var request = Request.Create(new RequestSpec
        {
            Agent = "discovery",
            Collective = "mcollective",
            CallerId = "choria=rip.mcollective",
            SenderId = "rip.mcollective",
            Message = "cGluZw==",
        }, TimeProvider.System);
        var json = request.ToJson();
        using var key = RSA.Create();
        key.ImportFromPem(File.ReadAllText(cert.PrivateKeyPath));
        var signature = Convert.ToBase64String(key.SignData(Encoding.UTF8.GetBytes(json), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        var replyTo = ChoriaSubjects.Reply("mcollective", "rip.mcollective", request.Envelope.RequestId);
        var secure = SecureRequest.Create(json, signature, File.ReadAllText(cert.CertificatePath));
        var payload = TransportMessage.Create(secure.ToUtf8Bytes(), new TransportHeaders { ReplyTo = replyTo }).ToUtf8Bytes();

        await AssertDroppedAsync(payload, "unvalidated", replyTo: replyTo);
    }

    [Fact]
    public async Task Node_directed_request_for_an_unloaded_agent_is_validated_without_reply()
    {
        var request = _client.Prepare("nosuchagent", """{"agent":"nosuchagent","action":"x","data":{}}""");
        await AssertDroppedAsync(request.Payload, "validated", replyTo: request.ReplyTo);
    }

    [Fact]
    public async Task Unknown_action_and_invalid_input_get_error_replies()
    {
        var unknown = Body(Assert.Single(await _client.RpcAsync("rpcutil", "nope", node: Node1)));
        Assert.Equal(2, unknown.GetProperty("statuscode").GetInt32());
        Assert.Equal("Unknown action nope for agent rpcutil", unknown.GetProperty("statusmsg").GetString());

        // docs/agents.md: every DDL validation failure is status 4 "Validation failed: ...", a missing input too.
        var invalid = Body(Assert.Single(await _client.RpcAsync("rpcutil", "get_fact", """{"fact":42}""", node: Node1)));
        Assert.Equal(4, invalid.GetProperty("statuscode").GetInt32());
        Assert.Equal("Validation failed: validation failed for input 'fact': 42 is not a string", invalid.GetProperty("statusmsg").GetString());

        var missing = Body(Assert.Single(await _client.RpcAsync("rpcutil", "get_fact", "{}", node: Node1)));
        Assert.Equal(4, missing.GetProperty("statuscode").GetInt32());
        Assert.Equal("Validation failed: input 'fact' is required", missing.GetProperty("statusmsg").GetString());

        var undeclared = Body(Assert.Single(await _client.RpcAsync("rpcutil", "get_fact", """{"fact":"role","extra":1}""", node: Node1)));
        Assert.Equal(4, undeclared.GetProperty("statuscode").GetInt32());
        Assert.Equal("Validation failed: request contains an input 'extra' that is not declared in the DDL. Valid inputs are: fact", undeclared.GetProperty("statusmsg").GetString());

        var notJson = Body(Assert.Single(await _client.RequestAsync(_client.Prepare("rpcutil", "this is not json"), "rpcutil", Node1)));
        Assert.Equal(4, notJson.GetProperty("statuscode").GetInt32());
    }

    [Fact]
    public async Task Sigterm_shuts_a_server_down_cleanly_with_pid_file()
    {
        var node = await fixture.Network.StartServerAsync("node3.example.net");
        var pid = await File.ReadAllTextAsync(Path.Combine(node.Directory, "server.pid"));
        Assert.Equal(node.Process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), pid);
        Assert.Contains(node.Process.Lines, l => l.Contains("Choria Server version", StringComparison.Ordinal) && l.Contains(node.ConfigPath, StringComparison.Ordinal));

        Assert.Equal(0, await node.Process.TerminateAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Sigint_stops_a_server_started_with_sigint_ignored_and_it_publishes_shutdown()
    {
        // The harness really starts it the way a shell starts a background job.
        await using (var control = ManagedProcess.Start("sleep", ["30"], interruptIgnored: true))
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
            while (File.ReadAllText($"/proc/{control.Id}/comm").Trim() != "sleep" && DateTime.UtcNow < deadline)
            {
                await Task.Delay(10);
            }

            Assert.Contains(2, control.IgnoredSignals());
        }

        await using var events = await _client.Connection.SubscribeAsync("choria.lifecycle.event.shutdown.>");
        await _client.Connection.FlushAsync();
        var node = await fixture.Network.StartServerAsync("node10.example.net", interruptIgnored: true);
        Assert.DoesNotContain(2, node.Process.IgnoredSignals());

        Assert.Equal(0, await node.Process.InterruptAsync(TimeSpan.FromSeconds(10)));

        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await foreach (var shutdown in events.ReadAllAsync(wait.Token))
        {
            if (Encoding.UTF8.GetString(shutdown.Data.Span).Contains("\"node10.example.net\"", StringComparison.Ordinal))
            {
                return;
            }
        }
    }

    [Fact]
    public async Task Sigterm_after_the_broker_went_away_exits_cleanly_without_waiting_out_the_soft_shutdown_timeout()
    {
        var (port, broker) = await fixture.Network.StartNatsServerAsync("vanishing-broker");
        var node = await fixture.Network.StartServerAsync("node9.example.net", extraConfig: "soft_shutdown_timeout = 5\n", middlewareHosts: $"localhost:{port}");
        await broker.TerminateAsync(TimeSpan.FromSeconds(10));
        await node.Process.WaitForOutputAsync("isconnected", TimeSpan.FromSeconds(10));

        var stopping = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal(0, await node.Process.TerminateAsync(TimeSpan.FromSeconds(10)));
        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(4), $"shutdown took {stopping.Elapsed}");
        Assert.DoesNotContain(node.Process.Lines, l => l.Contains("Could not start", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Server_without_subcommand_runs_like_2020()
    {
        var node = await fixture.Network.StartServerAsync("node4.example.net", command: ["server"]);
        Assert.Equal(["node4.example.net"], await _client.DiscoverAsync(Build(b => b.AddIdentity("node4.example.net")), expected: 1));
        Assert.Equal(0, await node.Process.TerminateAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Missing_config_fails_with_exit_1()
    {
        var (code, output) = await fixture.Network.RunChoriaAsync(["server", "run", "--config", "/nonexistent/server.conf"], TimeSpan.FromSeconds(20));

        Assert.Equal(1, code);
        Assert.Contains("Could not configure Choria", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Authorization_and_audit_through_the_real_server()
    {
        const string node = "node5.example.net";
        var audit = Path.Combine(fixture.Network.Root, "node5-audit.log");
        var server = await fixture.Network.StartServerAsync(node, """{"role":"web"}""", ["role::web"],
            $"rpcauthorization = 1\nrpcauthprovider = action_policy\nrpcaudit = 1\nplugin.rpcaudit.logfile = {audit}\n");
        var policies = Directory.CreateDirectory(Path.Combine(server.Directory, "policies")).FullName;
        // The != rule must be evaluated (it is a fact filter, not a compound "not") and deny get_fact here.
        await File.WriteAllTextAsync(Path.Combine(policies, "rpcutil.policy"),
            "policy default deny\ndeny\t*\tget_fact\trole!=db\t*\nallow\tchoria=rip.mcollective\tping get_fact\t*\t*\n");

        var ping = Body(Assert.Single(await _client.RpcAsync("rpcutil", "ping", node: node)));
        Assert.Equal(0, ping.GetProperty("statuscode").GetInt32());

        foreach (var (action, data) in new[] { ("get_fact", """{"fact":"role"}"""), ("inventory", "{}") })
        {
            var denied = Body(Assert.Single(await _client.RpcAsync("rpcutil", action, data, node: node)));
            Assert.Equal(1, denied.GetProperty("statuscode").GetInt32());
            Assert.Equal("You are not authorized to call this agent or action", denied.GetProperty("statusmsg").GetString());
        }

        // choria_util has no policy file: denied as well.
        var info = Body(Assert.Single(await _client.RpcAsync("choria_util", "info", node: node)));
        Assert.Equal(1, info.GetProperty("statuscode").GetInt32());

        var lines = await File.ReadAllLinesAsync(audit);
        var line = JsonDocument.Parse(Assert.Single(lines)).RootElement;
        Assert.Equal("rpcutil", line.GetProperty("agent").GetString());
        Assert.Equal("ping", line.GetProperty("action").GetString());
        Assert.Equal("choria=rip.mcollective", line.GetProperty("caller").GetString());
        Assert.Contains(server.Process.Lines, l => l.Contains("Denying based on explicit 'deny' policy in rpcutil.policy", StringComparison.Ordinal));

        Assert.Equal(0, await server.Process.TerminateAsync(TimeSpan.FromSeconds(10)));
    }
}
