using System.Diagnostics;
using System.Text.Json.Nodes;
using Choria.Config;
using Choria.Connector;
using Choria.Ddl;
using Choria.Framework;
using Choria.Protocol.Filters;
using Microsoft.Extensions.Logging.Abstractions;

namespace Choria.Client.Tests;

/// <summary>The client against a real nats-server and a simulated fleet.</summary>
[Trait(TestCategory.Name, TestCategory.Process)]
public sealed class ClientIntegrationTests : IAsyncLifetime
{
    private NatsServerProcess _nats = null!;
    private ChoriaConnection _connection = null!;

    public async Task InitializeAsync()
    {
        _nats = await NatsServerProcess.StartAsync();
        _connection = await ChoriaConnection.ConnectAsync(new ConnectorOptions { Servers = [_nats.Host], Name = "client" }, NullLogger.Instance, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _connection.DisposeAsync();
        _nats.Dispose();
    }

    private ChoriaClient Client(ChoriaClientOptions? options = null) =>
        new(_connection, new RequestFactory("client.example.net", "choria=client.mcollective", null, insecure: true), options ?? new ChoriaClientOptions { DiscoveryTimeout = TimeSpan.FromMilliseconds(1500) });

    private static FakeNode Node(int i, string role = "web", bool silent = false, bool fails = false) =>
        new($"node{i}.example.net", [$"role::{role}"], ["rpcutil", "discovery"], new() { ["role"] = role, ["index"] = i.ToString(System.Globalization.CultureInfo.InvariantCulture) }, silent, fails);

    [Fact]
    public async Task Discovery_applies_filters_and_deduplicates()
    {
        await using var fleet = await Responder.StartAsync(_nats.Host, [Node(1), Node(2), Node(3, "db"), Node(4, "db")]);
        var client = Client();
        var filter = new FilterBuilder();
        Assert.True(filter.TryAddFact("role=db", out _));

        var all = await client.DiscoverAsync(new DiscoveryOptions());
        var db = await client.DiscoverAsync(new DiscoveryOptions { Filter = filter.Build() });
        var byClass = await client.DiscoverAsync(new DiscoveryOptions { Filter = new FilterBuilder().AddClass("role::web").Build() });

        Assert.Equal(["node1.example.net", "node2.example.net", "node3.example.net", "node4.example.net"], all.Nodes.Order());
        Assert.Equal(["node3.example.net", "node4.example.net"], db.Nodes.Order());
        Assert.Equal(["node1.example.net", "node2.example.net"], byClass.Nodes.Order());
        Assert.Equal(0, all.Rejected);
    }

    [Fact]
    public async Task Discovery_window_ends_early_when_replies_stop()
    {
        await using var fleet = await Responder.StartAsync(_nats.Host, [Node(1), Node(2)]);
        var client = Client(new ChoriaClientOptions { DiscoveryTimeout = TimeSpan.FromSeconds(5) });

        var sw = Stopwatch.StartNew();
        var result = await client.DiscoverAsync(new DiscoveryOptions { Window = TimeSpan.FromMilliseconds(200) });

        Assert.Equal(2, result.Nodes.Count);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(3), $"took {sw.Elapsed}");
    }

    [Fact]
    public async Task A_broker_lost_before_it_confirmed_the_publish_is_reported_as_an_interrupted_request()
    {
        // The client's connection runs through a proxy that holds the broker's answer to the flush, then resets: the
        // connection is lost while the client waits for that answer, which NATS.Net ends with a cancellation.
        await using var proxy = FaultProxy.Start(_nats.Port);
        await using var connection = await ChoriaConnection.ConnectAsync(
            new ConnectorOptions { Servers = [new BrokerHost("127.0.0.1", proxy.Port)], Name = "client", ReconnectWait = TimeSpan.FromMilliseconds(100) },
            NullLogger.Instance, CancellationToken.None);
        var client = new ChoriaClient(connection, new RequestFactory("client.example.net", "choria=client.mcollective", null, insecure: true), new ChoriaClientOptions());
        proxy.Stall();

        var request = client.RequestAsync(new RpcOptions
        {
            Agent = "rpcutil",
            Action = "ping",
            Nodes = ["node1.example.net", "node2.example.net"],
            Timeout = TimeSpan.FromSeconds(2),
        });
        await Task.Delay(300);
        proxy.Cut();
        proxy.Resume();

        var result = await request;
        Assert.True(result.Stats.Disconnects > 0);
        Assert.True(result.Stats.Interrupted);
        Assert.Equal(0, result.Stats.Responded);
        Assert.Equal(["node1.example.net", "node2.example.net"], result.Stats.NoResponses);
    }

    [Fact]
    public async Task Few_targets_get_direct_requests_with_the_full_filter()
    {
        await using var fleet = await Responder.StartAsync(_nats.Host, [Node(1), Node(2), Node(3)]);
        var client = Client();

        var result = await client.RequestAsync(new RpcOptions { Agent = "rpcutil", Action = "ping", Filter = new FilterBuilder().AddClass("role::web").Build() });

        Assert.Equal(3, result.Stats.Discovered);
        Assert.Equal(3, result.Stats.Ok);
        Assert.Empty(result.Stats.NoResponses);
        var rpc = fleet.Received.Where(r => r.Request.Envelope.Agent == "rpcutil").ToList();
        Assert.All(rpc, r => Assert.Equal($"mcollective.node.{r.Node}", r.Subject));
        // Wire captures 17 and 19: the real client keeps the user filter on direct requests.
        Assert.All(rpc, r => Assert.Equal(["rpcutil"], r.Request.Envelope.Filter.Agent));
        Assert.All(rpc, r => Assert.Equal(["role::web"], r.Request.Envelope.Filter.CfClass));
    }

    [Fact]
    public async Task A_limit_above_the_threshold_stays_direct_and_spares_the_excluded_nodes()
    {
        await using var fleet = await Responder.StartAsync(_nats.Host, Enumerable.Range(1, 6).Select(i => Node(i)));
        var client = Client(new ChoriaClientOptions { DiscoveryTimeout = TimeSpan.FromMilliseconds(1500), DirectAddressingThreshold = 2 });

        var result = await client.RequestAsync(new RpcOptions { Agent = "rpcutil", Action = "ping", Limit = "4" });

        Assert.Equal(4, result.Stats.Discovered);
        Assert.Equal(4, result.Stats.Ok);
        Assert.Empty(result.Stats.UnexpectedResponses);
        var rpc = fleet.Received.Where(r => r.Request.Envelope.Agent == "rpcutil").ToList();
        Assert.Equal(result.Replies.Select(r => r.Sender).Order(), rpc.Select(r => r.Node).Order());
        Assert.All(rpc, r => Assert.Equal($"mcollective.node.{r.Node}", r.Subject));
    }

    [Fact]
    public async Task A_node_list_above_the_threshold_stays_direct()
    {
        await using var fleet = await Responder.StartAsync(_nats.Host, Enumerable.Range(1, 5).Select(i => Node(i)));
        var client = Client(new ChoriaClientOptions { DiscoveryTimeout = TimeSpan.FromMilliseconds(1500), DirectAddressingThreshold = 2 });
        string[] nodes = ["node1.example.net", "node2.example.net", "node3.example.net"];

        var result = await client.RequestAsync(new RpcOptions { Agent = "rpcutil", Action = "ping", Nodes = nodes });

        Assert.Equal(3, result.Stats.Ok);
        var rpc = fleet.Received.Where(r => r.Request.Envelope.Agent == "rpcutil").ToList();
        Assert.Equal(nodes, rpc.Select(r => r.Node).Order());
        Assert.All(rpc, r => Assert.Equal($"mcollective.node.{r.Node}", r.Subject));
    }

    [Fact]
    public async Task A_request_signed_ahead_is_the_one_sent_once_connected()
    {
        await using var fleet = await Responder.StartAsync(_nats.Host, Enumerable.Range(1, 2).Select(i => Node(i)));
        var client = Client();
        string[] nodes = ["node1.example.net", "node2.example.net"];
        var prepared = ChoriaClient.SignAhead(ChoriaClient.Prepare(new RpcOptions { Agent = "rpcutil", Action = "ping", Nodes = nodes }), client.Requests, client.Options);
        var ahead = Assert.IsType<PresignedRequest>(prepared.SignedAhead);

        var result = await client.RequestAsync(prepared);

        Assert.Equal(2, result.Stats.Ok);
        Assert.Equal(ahead.Request.Envelope.RequestId, result.Stats.RequestId);
        var rpc = fleet.Received.Where(r => r.Request.Envelope.Agent == "rpcutil").ToList();
        Assert.Equal(2, rpc.Count);
        Assert.All(rpc, r => Assert.Equal(ahead.Request.Envelope.RequestId, r.Request.Envelope.RequestId));
        Assert.All(rpc, r => Assert.Contains("rpcutil", r.Request.Envelope.Filter.Agent));
    }

    [Fact]
    public void A_request_that_discovers_is_not_signed_ahead()
    {
        var client = Client();

        var prepared = ChoriaClient.SignAhead(ChoriaClient.Prepare(new RpcOptions { Agent = "rpcutil", Action = "ping" }), client.Requests, client.Options);

        Assert.Null(prepared.SignedAhead);
    }

    [Fact]
    public async Task A_discovered_node_list_above_the_threshold_is_broadcast()
    {
        await using var fleet = await Responder.StartAsync(_nats.Host, Enumerable.Range(1, 3).Select(i => Node(i)));
        var client = Client(new ChoriaClientOptions { DiscoveryTimeout = TimeSpan.FromMilliseconds(1500), DirectAddressingThreshold = 2 });
        var events = new List<string>();

        var result = await client.RequestAsync(new RpcOptions
        {
            Agent = "rpcutil",
            Action = "ping",
            OnDiscovering = () => events.Add("discovering"),
            OnDiscovered = (count, _) => events.Add($"discovered {count}"),
            OnTargets = count => events.Add($"targets {count}"),
        });

        Assert.Equal(["discovering", "discovered 3", "targets 3"], events);
        Assert.Equal(3, result.Stats.Ok);
        Assert.All(fleet.Received.Where(r => r.Request.Envelope.Agent == "rpcutil"), r => Assert.Equal("mcollective.broadcast.agent.rpcutil", r.Subject));
    }

    [Fact]
    public async Task Many_targets_get_one_broadcast_with_the_full_filter()
    {
        await using var fleet = await Responder.StartAsync(_nats.Host, Enumerable.Range(1, 4).Select(i => Node(i)));
        var client = Client(new ChoriaClientOptions { DiscoveryTimeout = TimeSpan.FromMilliseconds(1500), DirectAddressingThreshold = 2 });

        var result = await client.RequestAsync(new RpcOptions { Agent = "rpcutil", Action = "ping", Filter = new FilterBuilder().AddClass("role::web").Build() });

        Assert.Equal(4, result.Stats.Ok);
        var rpc = fleet.Received.Where(r => r.Request.Envelope.Agent == "rpcutil").ToList();
        Assert.Equal(4, rpc.Count);
        Assert.All(rpc, r => Assert.Equal("mcollective.broadcast.agent.rpcutil", r.Subject));
        Assert.All(rpc, r => Assert.Equal(["role::web"], r.Request.Envelope.Filter.CfClass));
    }

    [Fact]
    public async Task Batches_are_sent_separately_with_a_sleep_between_them()
    {
        await using var fleet = await Responder.StartAsync(_nats.Host, Enumerable.Range(1, 5).Select(i => Node(i)));
        var client = Client();
        var nodes = Enumerable.Range(1, 5).Select(i => $"node{i}.example.net").ToList();

        var sw = Stopwatch.StartNew();
        var result = await client.RequestAsync(new RpcOptions { Agent = "rpcutil", Action = "ping", Nodes = nodes, BatchSize = 2, BatchSleep = TimeSpan.FromMilliseconds(150) });

        Assert.Equal(5, result.Stats.Ok);
        Assert.True(sw.Elapsed >= TimeSpan.FromMilliseconds(300), "two sleeps between three batches");
        Assert.All(fleet.Received, r => Assert.StartsWith("mcollective.node.", r.Subject, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Limit_sends_to_the_first_n_nodes_only()
    {
        await using var fleet = await Responder.StartAsync(_nats.Host, Enumerable.Range(1, 4).Select(i => Node(i)));
        var client = Client();
        var nodes = Enumerable.Range(1, 4).Select(i => $"node{i}.example.net").ToList();

        var result = await client.RequestAsync(new RpcOptions { Agent = "rpcutil", Action = "ping", Nodes = nodes, Limit = "50%" });

        Assert.Equal(2, result.Stats.Discovered);
        Assert.Equal(["node1.example.net", "node2.example.net"], result.Replies.Select(r => r.Sender).Order());
    }

    [Fact]
    public async Task Silent_nodes_are_listed_as_no_responses_after_the_timeout()
    {
        await using var fleet = await Responder.StartAsync(_nats.Host, [Node(1), Node(2, silent: true)]);
        var client = Client();

        var result = await client.RequestAsync(new RpcOptions
        {
            Agent = "rpcutil",
            Action = "ping",
            Nodes = ["node1.example.net", "node2.example.net"],
            Timeout = TimeSpan.FromMilliseconds(400),
        });

        Assert.Equal(1, result.Stats.Responded);
        Assert.Equal(["node2.example.net"], result.Stats.NoResponses);
        Assert.False(result.Stats.AllResponded);
    }

    [Fact]
    public async Task Failing_nodes_are_counted_and_aggregates_cover_ok_replies()
    {
        await using var fleet = await Responder.StartAsync(_nats.Host, [Node(1, "web"), Node(2, "db"), Node(3, "db"), Node(4, fails: true)]);
        var client = Client();
        var ddl = DdlLoader.LoadBuiltin("rpcutil").Ddl!;

        var result = await client.RequestAsync(new RpcOptions { Agent = "rpcutil", Action = "get_fact", Ddl = ddl, Data = new JsonObject { ["fact"] = "role" } });

        Assert.Equal(4, result.Stats.Responded);
        Assert.Equal(3, result.Stats.Ok);
        Assert.Equal(1, result.Stats.Failed);
        var summary = Assert.Single(result.Summaries);
        Assert.Equal([new KeyValuePair<string, int>("db", 2), new("web", 1)], summary.Counts);
        Assert.Equal("simulated failure", result.Replies.Single(r => !r.Ok).StatusMessage);
    }

    [Fact]
    public async Task Invalid_inputs_fail_before_any_request_is_sent()
    {
        await using var fleet = await Responder.StartAsync(_nats.Host, [Node(1)]);
        var client = Client();
        var ddl = DdlLoader.LoadBuiltin("rpcutil").Ddl!;

        var e = await Assert.ThrowsAsync<ChoriaClientException>(() => client.RequestAsync(new RpcOptions { Agent = "rpcutil", Action = "get_fact", Ddl = ddl }));

        Assert.Contains("fact", e.Message, StringComparison.Ordinal);
        Assert.Empty(fleet.Received);
    }

    [Fact]
    public async Task Ping_counts_every_reply_by_transport_sender()
    {
        await using var fleet = await Responder.StartAsync(_nats.Host, [Node(1), Node(2)]);
        var client = Client();

        var replies = await client.PingAsync(null, new Filter(), TimeSpan.FromSeconds(5), expect: 2);

        Assert.Equal(["node1.example.net", "node2.example.net"], replies.Select(r => r.Sender).Order());
    }

    [Fact]
    public async Task Ping_without_any_server_gets_no_replies()
    {
        var client = Client();

        var replies = await client.PingAsync(null, new Filter(), TimeSpan.FromMilliseconds(500));

        Assert.Empty(replies);
    }

    [Fact]
    public async Task Nothing_discovered_is_an_error()
    {
        await using var fleet = await Responder.StartAsync(_nats.Host, [Node(1)]);
        var client = Client();

        var e = await Assert.ThrowsAsync<ChoriaClientException>(() => client.RequestAsync(new RpcOptions { Agent = "rpcutil", Action = "ping", Filter = new FilterBuilder().AddIdentity("nosuch").Build() }));

        Assert.Equal("did not discover any nodes", e.Message);
    }

    [Fact]
    public async Task Federated_clients_publish_to_every_federation_with_targets()
    {
        await using var fed1 = await _connection.SubscribeAsync("choria.federation.fed1.federation");
        await using var fed2 = await _connection.SubscribeAsync("choria.federation.fed2.federation");
        await _connection.FlushAsync();
        var client = Client(new ChoriaClientOptions { DiscoveryTimeout = TimeSpan.FromMilliseconds(300), Federations = ["fed1", "fed2"] });

        await client.DiscoverAsync(new DiscoveryOptions());
        var direct = await client.RequestAsync(new RpcOptions { Agent = "rpcutil", Action = "ping", Nodes = ["a", "b"], Timeout = TimeSpan.FromMilliseconds(200) });

        foreach (var sub in new[] { fed1, fed2 })
        {
            Assert.True(sub.TryRead(out var discovery));
            Assert.True(sub.TryRead(out var rpc));
            Assert.True(Choria.Protocol.Messages.TransportMessage.TryParse(discovery.Data.Span, out var d, out _));
            Assert.True(Choria.Protocol.Messages.TransportMessage.TryParse(rpc.Data.Span, out var r, out _));
            Assert.Equal(["mcollective.broadcast.agent.discovery"], d.Headers.Federation!.Targets);
            Assert.Equal(["mcollective.node.a", "mcollective.node.b"], r.Headers.Federation!.Targets);
            Assert.Equal(direct.Stats.RequestId, r.Headers.Federation.RequestId);
            Assert.StartsWith("mcollective.reply.", r.Headers.ReplyTo, StringComparison.Ordinal);
        }

        Assert.Equal(["a", "b"], direct.Stats.NoResponses);
    }

    [Fact]
    public async Task Several_receivers_share_the_replies_so_each_arrives_once()
    {
        await using var fleet = await Responder.StartAsync(_nats.Host, [Node(1), Node(2), Node(3), Node(4), Node(5)]);
        var receivers = new List<ChoriaConnection>();
        for (var i = 0; i < 3; i++)
        {
            receivers.Add(await ChoriaConnection.ConnectAsync(new ConnectorOptions { Servers = [_nats.Host], Name = $"receiver{i}" }, NullLogger.Instance, CancellationToken.None));
        }

        await using var client = new ChoriaClient(_connection, receivers, "client-queue", new RequestFactory("client.example.net", "choria=client.mcollective", null, insecure: true), new ChoriaClientOptions { DiscoveryTimeout = TimeSpan.FromMilliseconds(1000) });
        try
        {
            // No expect: the ping runs its whole timeout, so a reply delivered to every receiver would show up as a duplicate.
            var pings = await client.PingAsync(null, new Filter(), TimeSpan.FromMilliseconds(1000));
            var rpc = await client.RequestAsync(new RpcOptions { Agent = "rpcutil", Action = "ping", Nodes = ["node1.example.net", "node2.example.net"], Timeout = TimeSpan.FromSeconds(2) });

            Assert.Equal(Enumerable.Range(1, 5).Select(i => $"node{i}.example.net"), pings.Select(r => r.Sender).Order(StringComparer.Ordinal));
            Assert.Equal(2, rpc.Stats.Ok);
            Assert.Empty(rpc.Stats.NoResponses);
        }
        finally
        {
            foreach (var receiver in receivers)
            {
                await receiver.DisposeAsync();
            }
        }
    }

    [Fact]
    public void Several_receivers_need_a_queue_group()
    {
        var requests = new RequestFactory("client.example.net", "choria=client.mcollective", null, insecure: true);

        Assert.Throws<ArgumentException>(() => new ChoriaClient(_connection, [_connection, _connection], null, requests, new ChoriaClientOptions()));
    }

    [Fact]
    public async Task Connect_with_workers_opens_named_receivers_beside_a_publisher()
    {
        var monitor = FreePort.Next();
        using var nats = await NatsServerProcess.StartAsync($"http_port: {monitor}");
        var config = ConfigLoader.LoadText(
            $"plugin.security.provider = file\nplugin.choria.middleware_hosts = 127.0.0.1:{nats.Port}\nidentity = client.example.net\n",
            options: new ConfigLoadOptions { Environment = new Dictionary<string, string?> { ["INSECURE_YES_REALLY"] = "true", ["USER"] = "tester" } }).Config;
        using var framework = await ChoriaFramework.CreateAsync(config, NullLoggerFactory.Instance, verifySecurityFiles: false);

        await using var client = await ChoriaClient.ConnectAsync(framework, TimeSpan.FromSeconds(5), ChoriaClient.OptionsFromConfig(config) with { Receivers = 3 });
        using var http = new HttpClient();
        var connz = JsonNode.Parse(await http.GetStringAsync(new Uri($"http://127.0.0.1:{monitor}/connz")))!;
        var names = connz["connections"]!.AsArray().Select(c => (string)c!["name"]!).Order(StringComparer.Ordinal).ToList();

        Assert.Equal(4, names.Count);
        var prefix = names[0][..names[0].LastIndexOf('-')];
        Assert.Matches("^" + framework.Certname.Replace(".", "\\.", StringComparison.Ordinal) + "-[0-9a-f]{32}$", prefix);
        Assert.Equal([prefix + "-publisher", prefix + "-receiver1", prefix + "-receiver2", prefix + "-receiver3"], names);
    }

    [Fact]
    public async Task Broker_down_fails_within_the_connect_timeout()
    {
        var port = FreePort.Next();
        var config = ConfigLoader.LoadText(
            $"plugin.security.provider = file\nplugin.choria.middleware_hosts = 127.0.0.1:{port}\nidentity = client.example.net\n",
            options: new ConfigLoadOptions { Environment = new Dictionary<string, string?> { ["INSECURE_YES_REALLY"] = "true", ["USER"] = "tester" } }).Config;
        using var framework = await ChoriaFramework.CreateAsync(config, NullLoggerFactory.Instance, verifySecurityFiles: false);

        var sw = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<ChoriaClientException>(() => ChoriaClient.ConnectAsync(framework, TimeSpan.FromSeconds(1)));

        Assert.Contains("could not connect", e.Message, StringComparison.Ordinal);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), $"took {sw.Elapsed}");
    }
}
