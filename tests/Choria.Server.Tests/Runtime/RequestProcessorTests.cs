using System.Text.Json;
using Choria.Protocol.Filters;
using Choria.Protocol.Messages;
using Choria.Server.Agents;
using Choria.Server.Agents.Builtin;
using Choria.Server.Data.Plugins;
using Choria.Server.Runtime;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Choria.Server.Tests.Runtime;

public sealed class RequestProcessorTests : IDisposable
{
    private readonly TempDir _cache = new();
    private readonly RecordingPublisher _publisher = new();
    private readonly ServerCounters _counters = new();

    public void Dispose() => _cache.Dispose();

    private sealed class SlowAgent : IAgent
    {
        public AgentMetadata Metadata { get; } = new() { Name = "slow", Timeout = 1 };

        public async ValueTask<AgentResult> HandleAsync(AgentRequest request, CancellationToken cancellationToken)
        {
            await Task.Delay(TimeSpan.FromSeconds(30), cancellationToken);
            return AgentResult.Publish("late"u8.ToArray());
        }
    }

    private RequestProcessor Processor(TestClock clock, string ca, string identity = "node1.example.net", IReadOnlyList<string>? collectives = null, int queueSize = 1000, Func<Filter, NodeData>? node = null, int concurrency = 2, ILogger<RequestProcessor>? logger = null)
    {
        var registry = new AgentRegistry(new AgentRegistryOptions(), NullLogger<AgentRegistry>.Instance);
        var info = new FakeServerInfo { Identity = identity };
        registry.Register(new DiscoveryAgent("0.13.0"));
        registry.Register(RpcutilAgent.Create(info, DataPluginRegistry.CreateDefault(), new McorpcAgentOptions(), NullLogger.Instance, clock));
        registry.Register(new SlowAgent());
        var options = new ServerOptions { Identity = identity, Collectives = collectives ?? ["mcollective"], QueueSize = queueSize, Concurrency = concurrency };
        var deps = new RequestProcessorDependencies
        {
            Security = Fixtures.Provider(_cache.Path, clock, ca),
            Dispatcher = new AgentDispatcher(registry),
            Publisher = _publisher,
            Node = node ?? (_ => new NodeData(identity, ["role::db"], registry.KnownAgents(), Fixtures.Facts("""{"role":"db"}"""))),
            Counters = _counters,
            Clock = clock,
        };
        return new RequestProcessor(options, deps, logger ?? NullLogger<RequestProcessor>.Instance);
    }

    private RequestProcessor WireProcessor(string file, long skew = 0, string identity = "node1.example.net", IReadOnlyList<string>? collectives = null) =>
        Processor(TestClock.AtUnix(Fixtures.WireTime(file) + skew), Fixtures.Wire("test-ca.pem"), identity, collectives);

    private (RequestProcessor Processor, TestClock Clock) PkiProcessor()
    {
        var clock = TestClock.AtUnix(Fixtures.PkiTime);
        return (Processor(clock, Fixtures.Good("certs/ca.pem")), clock);
    }

    private byte[] Signed(TestClock clock, string agent, string message, string? replyTo = "mcollective.reply.rip.1") =>
        Fixtures.SignedRequest(Fixtures.Provider(_cache.Path + "-signer", clock, Fixtures.Good("certs/ca.pem")), clock, agent, message, replyTo: replyTo);

    [Fact]
    public async Task Ruby_direct_ping_is_answered_on_the_transport_reply_to()
    {
        const string file = "05-rpc-request-direct-rpcutil-ping.bin";
        var processor = WireProcessor(file);

        var result = await processor.ProcessAsync(Fixtures.WireBytes(file), CancellationToken.None);

        Assert.True(result.Replied, result.Drop?.Message);
        var (subject, data) = Assert.Single(_publisher.Published);
        Assert.Equal("mcollective.reply.37bdf08389145a56c13096c178802d3b.24952.1", subject);
        Assert.True(ProtocolDecoder.TryDecodeReply(data, out var reply, out _));
        Assert.Equal(result.RequestId, reply.Reply.Envelope.RequestId);
        using var body = JsonDocument.Parse(reply.Reply.Message);
        Assert.Equal(0, body.RootElement.GetProperty("statuscode").GetInt32());
        Assert.True(body.RootElement.GetProperty("data").TryGetProperty("pong", out _));
        Assert.Equal(1, _counters.Validated);
        Assert.Equal(1, _counters.Passed);
        Assert.Equal(1, _counters.Replies);
        Assert.Equal(Fixtures.WireTime(file), _counters.LastMessageUnix);
    }

    [Fact]
    public async Task Ruby_discovery_gets_raw_pong()
    {
        const string file = "01-discovery-request-broadcast.bin";
        var result = await WireProcessor(file).ProcessAsync(Fixtures.WireBytes(file), CancellationToken.None);

        Assert.True(result.Replied);
        Assert.True(ProtocolDecoder.TryDecodeReply(Assert.Single(_publisher.Published).Data, out var reply, out _));
        Assert.Equal("pong", reply.Reply.Message);
    }

    public static TheoryData<string, long, string, string, DropReason> DropCases() => new()
    {
        { "24-rpc-request-tampered-signature.bin", 0, "node8.example.net", "mcollective", DropReason.SecurityFailed },
        { "05-rpc-request-direct-rpcutil-ping.bin", 0, "node1.example.net", "other", DropReason.WrongCollective },
        { "05-rpc-request-direct-rpcutil-ping.bin", 3600, "node1.example.net", "mcollective", DropReason.TtlExpired },
        { "18-discovery-request-class-and-identity-regex.bin", 0, "node2.example.net", "mcollective", DropReason.Filtered },
    };

    [Theory]
    [MemberData(nameof(DropCases))]
    public async Task Each_drop_is_counted_once_and_nothing_is_published(string file, long skew, string identity, string collective, DropReason expected)
    {
        var processor = WireProcessor(file, skew, identity, [collective]);

        var result = await processor.ProcessAsync(Fixtures.WireBytes(file), CancellationToken.None);

        Assert.Equal(expected, result.Drop?.Reason);
        Assert.Empty(_publisher.Published);
        Assert.Equal(1, _counters.Dropped(expected));
        Assert.Equal(expected is DropReason.Filtered ? 1 : 0, _counters.Filtered);
        Assert.Equal(expected is DropReason.TtlExpired ? 1 : 0, _counters.TtlExpired);
        Assert.Equal(expected is DropReason.SecurityFailed or DropReason.WrongCollective ? 1 : 0, _counters.Unvalidated);
        Assert.Equal(0, _counters.Validated);
        Assert.Equal(0, _counters.LastMessageUnix);
    }

    [Fact]
    public async Task Garbage_counts_as_unvalidated_transport_drop()
    {
        var (processor, _) = PkiProcessor();

        var result = await processor.ProcessAsync("not json at all"u8.ToArray(), CancellationToken.None);

        Assert.Equal(DropReason.TransportInvalid, result.Drop?.Reason);
        Assert.Equal(1, _counters.Unvalidated);
        Assert.Equal(1, _counters.Dropped(DropReason.TransportInvalid));
    }

    [Fact]
    public async Task Unknown_agent_is_validated_then_dropped()
    {
        var (processor, clock) = PkiProcessor();

        var result = await processor.ProcessAsync(Signed(clock, "nosuchagent", "ping"), CancellationToken.None);

        Assert.Equal(DropReason.UnknownAgent, result.Drop?.Reason);
        Assert.Equal(1, _counters.Validated);
        Assert.Equal(1, _counters.Dropped(DropReason.UnknownAgent));
        Assert.Empty(_publisher.Published);
    }

    [Fact]
    public async Task Missing_reply_to_runs_the_agent_but_publishes_nothing()
    {
        var (processor, clock) = PkiProcessor();

        var result = await processor.ProcessAsync(Signed(clock, "discovery", "cGluZw==", replyTo: null), CancellationToken.None);

        Assert.Equal(DropReason.NoReplyTo, result.Drop?.Reason);
        Assert.Equal(1, _counters.Dropped(DropReason.NoReplyTo));
        Assert.Empty(_publisher.Published);
    }

    [Fact]
    public async Task Agent_timeout_is_a_counted_drop()
    {
        var (processor, clock) = PkiProcessor();

        var result = await processor.ProcessAsync(Signed(clock, "slow", "{}"), CancellationToken.None);

        Assert.Equal(DropReason.AgentTimeout, result.Drop?.Reason);
        Assert.Equal(1, _counters.Dropped(DropReason.AgentTimeout));
        Assert.Empty(_publisher.Published);
    }

    [Fact]
    public async Task Unknown_action_gets_status_2()
    {
        var (processor, clock) = PkiProcessor();

        var result = await processor.ProcessAsync(Signed(clock, "rpcutil", """{"agent":"rpcutil","action":"nope","data":{}}"""), CancellationToken.None);

        Assert.True(result.Replied);
        Assert.True(ProtocolDecoder.TryDecodeReply(Assert.Single(_publisher.Published).Data, out var reply, out _));
        using var body = JsonDocument.Parse(reply.Reply.Message);
        Assert.Equal(2, body.RootElement.GetProperty("statuscode").GetInt32());
    }

    [Fact]
    public void A_flood_that_overflows_the_queue_is_logged_once_per_interval_with_what_was_not_logged()
    {
        var clock = TestClock.AtUnix(Fixtures.PkiTime);
        var logger = new CapturingLogger<RequestProcessor>();
        var processor = Processor(clock, Fixtures.Good("certs/ca.pem"), queueSize: 1, logger: logger);
        var request = Signed(clock, "discovery", "cGluZw==");

        var accepted = Enumerable.Range(0, 6).Count(_ => processor.Enqueue(request, "mcollective.broadcast.agent.discovery"));
        clock.AdvanceMonotonic(TimeSpan.FromSeconds(9));
        processor.Enqueue(request, "mcollective.broadcast.agent.discovery");
        clock.AdvanceMonotonic(TimeSpan.FromSeconds(1));
        processor.Enqueue(request, "mcollective.broadcast.agent.discovery");

        Assert.Equal(1, accepted);
        Assert.Equal(7, _counters.Dropped(DropReason.QueueFull));
        const string Full = "Dropping message received on mcollective.broadcast.agent.discovery (QueueFull): the intake queue of 1 requests is full; ";
        Assert.Equal(
            [(LogLevel.Error, Full + "0 more were dropped since the last such line (logged at most every 10s, choria_server_dropped_total counts each)"),
             (LogLevel.Error, Full + "5 more were dropped since the last such line (logged at most every 10s, choria_server_dropped_total counts each)")],
            logger.Entries);
    }

    [Fact]
    public async Task Full_queue_drops_and_counts_and_workers_drain_the_rest()
    {
        var clock = TestClock.AtUnix(Fixtures.PkiTime);
        var processor = Processor(clock, Fixtures.Good("certs/ca.pem"), queueSize: 2);
        var request = Signed(clock, "discovery", "cGluZw==");

        Assert.True(processor.Enqueue(request, "s"));
        Assert.True(processor.Enqueue(request, "s"));
        Assert.False(processor.Enqueue(request, "s"));
        Assert.Equal(3, _counters.Total);
        Assert.Equal(1, _counters.Dropped(DropReason.QueueFull));

        processor.Complete();
        await processor.RunAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(2, _publisher.Published.Count);
        Assert.Equal(2, _counters.Replies);
    }

    [Fact]
    public async Task Discovery_without_ping_is_a_counted_silent_drop()
    {
        var (processor, clock) = PkiProcessor();

        var result = await processor.ProcessAsync(Signed(clock, "discovery", "\"hello\""), CancellationToken.None);

        Assert.Equal(DropReason.AgentNoReply, result.Drop?.Reason);
        Assert.Equal(1, _counters.Dropped(DropReason.AgentNoReply));
        Assert.Equal(1, _counters.Validated);
        Assert.Empty(_publisher.Published);
    }

    [Fact]
    public async Task Unexpected_exception_drops_only_that_request_and_the_worker_carries_on()
    {
        var clock = TestClock.AtUnix(Fixtures.PkiTime);
        var failures = 5;
        var node = new NodeData("node1.example.net", [], ["discovery"], Fixtures.Facts("{}"));
        // More failing requests than workers: before the catch-all each one ended a worker for good.
        var processor = Processor(clock, Fixtures.Good("certs/ca.pem"), concurrency: 2,
            node: _ => Interlocked.Decrement(ref failures) >= 0 ? throw new InvalidCastException("boom") : node);
        var request = Signed(clock, "discovery", "cGluZw==");
        for (var i = 0; i < 6; i++)
        {
            Assert.True(processor.Enqueue(request, "s"));
        }

        processor.Complete();
        await processor.RunAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(5, _counters.Dropped(DropReason.InternalError));
        Assert.Single(_publisher.Published);
        Assert.Equal("internal_error", Choria.Server.Metrics.ServerMetrics.ReasonLabel(DropReason.InternalError));
    }

    [Fact]
    public async Task Facts_yaml_with_non_scalar_keys_still_answers_pings_and_filters_on_the_good_keys()
    {
        var clock = TestClock.AtUnix(Fixtures.PkiTime);
        var file = System.IO.Path.Combine(_cache.Path, "facts.yaml");
        File.WriteAllText(file, "? [a, b]\n: 1\n? {x: 1}\n: 2\nrole: db\nnested:\n  ? [c]\n  : 3\n  ok: yes\n");
        var facts = new Choria.Server.Data.FactsSource(new Choria.Server.Data.FactsOptions { FactsFiles = file }, NullLogger<Choria.Server.Data.FactsSource>.Instance);
        var processor = Processor(clock, Fixtures.Good("certs/ca.pem"),
            node: _ => new NodeData("node1.example.net", [], ["discovery", "rpcutil"], facts.Facts()));
        var signer = Fixtures.Provider(_cache.Path + "-signer", clock, Fixtures.Good("certs/ca.pem"));
        var filter = new Filter { Fact = [new FactFilter { Fact = "role", Operator = "==", Value = "db" }, new FactFilter { Fact = "nested.ok", Operator = "==", Value = "true" }] };

        var result = await processor.ProcessAsync(Fixtures.SignedRequest(signer, clock, "discovery", "cGluZw==", filter), CancellationToken.None);

        Assert.True(result.Replied, result.Drop?.Message);
        Assert.Equal("""{"role":"db","nested":{"ok":true}}""", facts.Facts().GetRawText());
        Assert.Equal(0, _counters.Dropped(DropReason.InternalError));
    }

    [Fact]
    public async Task Configured_queue_length_refuses_requests_beyond_it_with_a_counted_reason()
    {
        var file = System.IO.Path.Combine(_cache.Path, "server.conf");
        File.WriteAllText(file, "identity = node1.example.net\nplugin.choria.server.queue_length = 3\nplugin.choria.server.concurrency = 1\n");
        var configured = ServerOptions.FromConfig(Choria.Config.ConfigLoader.Load(file, new Choria.Config.ConfigLoadOptions
        {
            Role = Choria.Config.ConfigRole.Server,
            Environment = new Dictionary<string, string?>(),
        }).Config);
        var clock = TestClock.AtUnix(Fixtures.PkiTime);
        var processor = Processor(clock, Fixtures.Good("certs/ca.pem"), queueSize: configured.QueueSize, concurrency: configured.Concurrency);
        var request = Signed(clock, "discovery", "cGluZw==");

        var accepted = Enumerable.Range(0, 5).Count(_ => processor.Enqueue(request, "mcollective.broadcast.agent.discovery"));

        Assert.Equal(3, accepted);
        Assert.Equal(2, _counters.Dropped(DropReason.QueueFull));
        Assert.Equal(5, _counters.Total);
        Assert.Equal(3, processor.Pending);
        processor.Complete();
        await processor.RunAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(3, _publisher.Published.Count);
    }

    // Attacks on the request path (docs/security.md, "Threat model"), named after the attack.

    [Fact]
    public async Task Replayed_request_after_its_ttl_is_dropped_though_its_signature_still_verifies()
    {
        // A captured, genuinely signed request sent again: at its own time it is answered, one second after its
        // TTL (60 s) it is counted as expired and nothing runs.
        const string file = "05-rpc-request-direct-rpcutil-ping.bin";
        Assert.True((await WireProcessor(file).ProcessAsync(Fixtures.WireBytes(file), CancellationToken.None)).Replied);
        _publisher.Published.Clear();

        var replayed = await WireProcessor(file, skew: 61).ProcessAsync(Fixtures.WireBytes(file), CancellationToken.None);

        Assert.Equal(DropReason.TtlExpired, replayed.Drop?.Reason);
        Assert.Empty(_publisher.Published);
        Assert.Equal(1, _counters.TtlExpired);
    }

    public static TheoryData<string> ForgedReplyTos() => new()
    {
        new string('r', RequestPipeline.MaxReplyToLength + 1),
        "mcollective.reply.x 5\r\nPUB mcollective.broadcast.agent.rpcutil",
        "mcollective.reply.x\r\nSUB >",
        "mcollective.>",
        "mcollective.*.x",
        "mcollective..x",
        "mcollective.reply.",
    };

    [Theory]
    [MemberData(nameof(ForgedReplyTos))]
    public async Task Oversize_or_forged_reply_to_header_is_dropped_before_any_work(string replyTo)
    {
        // The transport headers are not signed: a valid request can be sent with any reply-to.
        var (processor, clock) = PkiProcessor();

        var result = await processor.ProcessAsync(Signed(clock, "rpcutil", "{\"agent\":\"rpcutil\",\"action\":\"ping\",\"data\":{}}", replyTo: replyTo), CancellationToken.None);

        Assert.Equal(DropReason.TransportInvalid, result.Drop?.Reason);
        Assert.Contains("reply-to", result.Drop!.Message, StringComparison.Ordinal);
        Assert.Empty(_publisher.Published);
        Assert.Equal(0, _counters.Passed);
    }

    [Fact]
    public async Task Longest_allowed_reply_to_is_answered()
    {
        var (processor, clock) = PkiProcessor();
        var replyTo = "mcollective.reply." + new string('r', RequestPipeline.MaxReplyToLength - "mcollective.reply.".Length);

        var result = await processor.ProcessAsync(Signed(clock, "discovery", "cGluZw==", replyTo: replyTo), CancellationToken.None);

        Assert.True(result.Replied, result.Drop?.Message);
        Assert.Equal(replyTo, Assert.Single(_publisher.Published).Subject);
    }
}
