using System.Text;
using System.Text.RegularExpressions;
using Choria.Broker.Federation;
using Choria.Connector;
using Choria.Protocol.Messages;
using Choria.Protocol.Subjects;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace Choria.Broker.Tests.Federation;

[Trait(TestCategory.Name, TestCategory.Process)]
public sealed class FederationBrokerTests : IAsyncLifetime
{
    private readonly List<IAsyncDisposable> _cleanup = [];
    private NatsServerProcess _federation = null!;
    private NatsServerProcess _collective1 = null!;
    private NatsServerProcess _collective2 = null!;

    public async Task InitializeAsync()
    {
        _federation = await NatsServerProcess.StartAsync();
        _collective1 = await NatsServerProcess.StartAsync();
        _collective2 = await NatsServerProcess.StartAsync();
    }

    public async Task DisposeAsync()
    {
        for (var i = _cleanup.Count - 1; i >= 0; i--)
        {
            await _cleanup[i].DisposeAsync();
        }

        _federation.Dispose();
        _collective1.Dispose();
        _collective2.Dispose();
    }

    [Fact]
    public async Task Federated_broadcast_reaches_both_collectives_and_every_reply_arrives_once()
    {
        var fb1 = await StartBrokerAsync("c1", "fb1.example.net", _collective1);
        var fb2 = await StartBrokerAsync("c2", "fb2.example.net", _collective2);
        FakeServer[] servers = [
            await Track(FakeServer.StartAsync(_collective1, "n1.c1")),
            await Track(FakeServer.StartAsync(_collective1, "n2.c1")),
            await Track(FakeServer.StartAsync(_collective1, "n3.c1")),
            await Track(FakeServer.StartAsync(_collective2, "n1.c2")),
            await Track(FakeServer.StartAsync(_collective2, "n2.c2")),
        ];
        var client = await Track(FederationTestSupport.ConnectAsync(_federation, "client"));

        var (transport, requestId, replyTo) = FederationTestSupport.BroadcastRequest();
        var replies = await client.SubscribeAsync(replyTo);
        await client.FlushAsync();
        foreach (var publication in FederationTestSupport.Federate(transport, requestId, "c1", "c2"))
        {
            await client.PublishAsync(publication.Subject, publication.Message.ToUtf8Bytes());
        }

        var received = await ReadRepliesAsync(replies, servers.Length);
        Assert.Equal(servers.Select(s => s.Identity).Order(), received.Select(r => r.Reply.Envelope.SenderId).Order());
        Assert.All(received, r => Assert.Equal(requestId, r.Reply.Envelope.RequestId));
        Assert.All(received, r => Assert.Null(r.Headers.Federation));
        await AssertNoMoreAsync(replies);

        // Request hop written by the broker on its way into the collective.
        var requestHop = Assert.Single(servers[0].LastSeenBy!);
        Assert.Equal(_federation.Url, requestHop.In);
        Assert.Equal(_collective1.Url, requestHop.Out);
        Assert.Matches(new Regex(@"^fb1\.example\.net \(choria_nats_ingest:\d, choria_request_transformer:\d, choria_nats_egest:\d\)$"), requestHop.Processor);

        // The reply carries the request hop and the broker's reply hop.
        var fromC2 = received.Single(r => r.Reply.Envelope.SenderId == "n1.c2");
        var hops = fromC2.Headers.SeenBy!;
        Assert.Equal(2, hops.Count);
        Assert.Equal(_collective2.Url, hops[1].In);
        Assert.Equal(_federation.Url, hops[1].Out);
        Assert.Matches(new Regex(@"^fb2\.example\.net \(choria_nats_ingest:\d, choria_reply_transformer:\d, choria_nats_egest:\d\)$"), hops[1].Processor);

        Assert.Equal(0, fb1.Dropped(FederationDropReason.Malformed) + fb2.Dropped(FederationDropReason.Malformed));
    }

    [Fact]
    public async Task Two_instances_share_the_load_without_duplicates()
    {
        var registry1 = Metrics.NewCustomRegistry();
        var registry2 = Metrics.NewCustomRegistry();
        await StartBrokerAsync("c1", "fb1.example.net", _collective1, registry1);
        await StartBrokerAsync("c1", "fb2.example.net", _collective1, registry2);
        var server = await Track(FakeServer.StartAsync(_collective1, "n1.c1"));
        var client = await Track(FederationTestSupport.ConnectAsync(_federation, "client"));
        var replies = await client.SubscribeAsync("mcollective.reply.client.example.net.*");
        await client.FlushAsync();

        const int count = 300;
        var expected = new HashSet<string>();
        for (var i = 0; i < count; i++)
        {
            var (transport, requestId, _) = FederationTestSupport.BroadcastRequest();
            expected.Add(requestId);
            var publication = Assert.Single(FederationTestSupport.Federate(transport, requestId, "c1"));
            await client.PublishAsync(publication.Subject, publication.Message.ToUtf8Bytes());
        }

        var received = await ReadRepliesAsync(replies, count);
        Assert.Equal(expected.Order(), received.Select(r => r.Reply.Envelope.RequestId).Order());
        await AssertNoMoreAsync(replies);
        Assert.Equal(count, server.Requests);

        var processors = received.Select(r => r.Headers.SeenBy![0].Processor.Split(' ')[0]).ToHashSet();
        Assert.Equal(["fb1.example.net", "fb2.example.net"], processors.Order());
        Assert.Equal(count * 2, await SumAsync(registry1, "choria_federation_published_msgs") + await SumAsync(registry2, "choria_federation_published_msgs"));
    }

    [Fact]
    public async Task Malformed_and_unfederated_messages_are_dropped_with_a_reason_and_the_broker_keeps_working()
    {
        var registry = Metrics.NewCustomRegistry();
        var broker = await StartBrokerAsync("c1", "fb1.example.net", _collective1, registry);
        await Track(FakeServer.StartAsync(_collective1, "n1.c1"));
        var client = await Track(FederationTestSupport.ConnectAsync(_federation, "client"));
        var collectiveClient = await Track(FederationTestSupport.ConnectAsync(_collective1, "bad-server"));
        var requests = ChoriaSubjects.FederationRequests("c1");
        var replySubject = ChoriaSubjects.FederationReplies("c1");

        var (transport, requestId, replyTo) = FederationTestSupport.BroadcastRequest();
        var federated = FederationTestSupport.Federate(transport, requestId, "c1")[0].Message;
        await client.PublishAsync(requests, Encoding.UTF8.GetBytes("not json {"));
        await client.PublishAsync(requests, transport.ToUtf8Bytes());
        await client.PublishAsync(requests, (federated with { Headers = federated.Headers with { Federation = federated.Headers.Federation! with { Targets = null } } }).ToUtf8Bytes());
        await client.PublishAsync(requests, (federated with { Headers = federated.Headers with { ReplyTo = null } }).ToUtf8Bytes());
        await collectiveClient.PublishAsync(replySubject, Encoding.UTF8.GetBytes("{\"protocol\":\"choria:transport:1\"}"));
        await collectiveClient.PublishAsync(replySubject, transport.ToUtf8Bytes());
        await collectiveClient.PublishAsync(replySubject, (federated with { Headers = federated.Headers with { Federation = new FederationHeader { RequestId = requestId } } }).ToUtf8Bytes());

        await FederationTestSupport.WaitUntilAsync(() =>
            broker.Dropped(FederationDropReason.Malformed) == 2
            && broker.Dropped(FederationDropReason.NotFederated) == 2
            && broker.Dropped(FederationDropReason.NoTargets) == 1
            && broker.Dropped(FederationDropReason.NoReplyTo) == 1
            && broker.Dropped(FederationDropReason.IncompleteFederationReply) == 1);
        Assert.Equal(7, await SumAsync(registry, "choria_federation_errors"));

        var replies = await client.SubscribeAsync(replyTo);
        await client.FlushAsync();
        await client.PublishAsync(requests, federated.ToUtf8Bytes());
        var reply = Assert.Single(await ReadRepliesAsync(replies, 1));
        Assert.Equal(requestId, reply.Reply.Envelope.RequestId);
    }

    [Fact]
    public async Task A_burst_with_bad_messages_in_it_forwards_every_good_one_and_counts_every_stage_per_message()
    {
        // One ingest worker makes the burst queue up, so stages hand on batches that mix good and bad messages; its
        // subscription holds the whole burst, so none is lost to a client-side slow consumer drop.
        var registry = Metrics.NewCustomRegistry();
        var broker = await StartBrokerAsync("c1", "fb1.example.net", _collective1, registry, configure: o => o with { IngestWorkers = 1, HandOffBatchSize = 16, SubscriptionCapacity = 8192 });
        var server = await Track(FakeServer.StartAsync(_collective1, "n1.c1", capacity: 8192));
        var client = await Track(FederationTestSupport.ConnectAsync(_federation, "client"));
        var (transport, requestId, _) = FederationTestSupport.BroadcastRequest();
        var federated = FederationTestSupport.Federate(transport, requestId, "c1")[0].Message;
        var good = federated.ToUtf8Bytes();
        var noTargets = (federated with { Headers = federated.Headers with { Federation = federated.Headers.Federation! with { Targets = null } } }).ToUtf8Bytes();

        const int total = 3000;
        var (malformed, untargeted) = (0, 0);
        for (var i = 0; i < total; i++)
        {
            var payload = (i % 7, i % 11) switch
            {
                (0, _) => Encoding.UTF8.GetBytes("{\"protocol\":"),
                (_, 0) => noTargets,
                _ => good,
            };
            malformed += i % 7 == 0 ? 1 : 0;
            untargeted += i % 7 != 0 && i % 11 == 0 ? 1 : 0;
            await client.PublishAsync(ChoriaSubjects.FederationRequests("c1"), payload);
        }

        var forwarded = total - malformed - untargeted;
        await FederationTestSupport.WaitUntilAsync(() => server.Requests == forwarded && broker.Dropped(FederationDropReason.NoTargets) == untargeted);
        Assert.Equal(malformed, broker.Dropped(FederationDropReason.Malformed));

        // Replies also pass the chain; the request direction's stages are told apart by their connected_to label.
        Assert.Equal(total, await SumAsync(registry, "choria_federation_received_msgs", "nats_ingest", "federation"));
        Assert.Equal(total, await SumAsync(registry, "choria_federation_time_count", "nats_ingest", "federation"));
        Assert.Equal(total - malformed, await SumAsync(registry, "choria_federation_received_msgs", "choria_request_transformer"));
        Assert.Equal(total - malformed, await SumAsync(registry, "choria_federation_time_count", "choria_request_transformer"));
        Assert.Equal(forwarded, await SumAsync(registry, "choria_federation_received_msgs", "nats_egest", "collective"));
        Assert.Equal(forwarded, await SumAsync(registry, "choria_federation_published_msgs", "nats_egest", "collective"));
        Assert.Equal(forwarded, await SumAsync(registry, "choria_federation_time_count", "nats_egest", "collective"));
    }

    [Fact]
    public async Task Stop_while_messages_are_in_flight_ends_every_worker_without_errors()
    {
        var logs = new CapturingLoggerFactory();
        var registry = Metrics.NewCustomRegistry();
        var broker = await StartBrokerAsync("c1", "fb1.example.net", _collective1, registry, logs);
        var server = await Track(FakeServer.StartAsync(_collective1, "n1.c1"));
        var client = await Track(FederationTestSupport.ConnectAsync(_federation, "client"));
        var (transport, requestId, _) = FederationTestSupport.BroadcastRequest();
        var payload = FederationTestSupport.Federate(transport, requestId, "c1")[0].Message.ToUtf8Bytes();
        for (var i = 0; i < 5000; i++)
        {
            await client.PublishAsync(ChoriaSubjects.FederationRequests("c1"), payload);
        }

        await FederationTestSupport.WaitUntilAsync(() => server.Requests > 0);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await broker.StopAsync(deadline.Token);

        // StopAsync returned inside the deadline, no worker logged a failure, and no egest worker is still publishing.
        Assert.DoesNotContain(logs.Entries, e => e.Level >= LogLevel.Warning);
        var published = await SumAsync(registry, "choria_federation_published_msgs");
        await Task.Delay(300);
        Assert.Equal(published, await SumAsync(registry, "choria_federation_published_msgs"));
    }

    [Fact]
    public async Task Start_fails_loudly_when_the_federation_side_has_no_brokers()
    {
        var options = new FederationBrokerOptions { Cluster = "c1", CollectiveBrokers = FederationTestSupport.Hosts(_collective1), FederationBrokers = new BrokerResolutionOptions { Role = BrokerRole.Federation, UseSrv = false } };
        await using var broker = new FederationBroker(options, FederationTestSupport.Resolver, FederationTestSupport.Plain, Metrics.NewCustomRegistry(), FederationTestSupport.Logs);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => broker.StartAsync(CancellationToken.None));
        Assert.Contains("federation side", error.Message, StringComparison.Ordinal);
    }

    private async Task<FederationBroker> StartBrokerAsync(string cluster, string identity, NatsServerProcess collective, CollectorRegistry? registry = null, ILoggerFactory? logs = null, Func<FederationBrokerOptions, FederationBrokerOptions>? configure = null)
    {
        var options = new FederationBrokerOptions
        {
            Cluster = cluster,
            Identity = identity,
            FederationBrokers = FederationTestSupport.Hosts(_federation) with { Role = BrokerRole.Federation },
            CollectiveBrokers = FederationTestSupport.Hosts(collective),
        };
        options = configure?.Invoke(options) ?? options;
        var broker = new FederationBroker(options, FederationTestSupport.Resolver, FederationTestSupport.Plain, registry ?? Metrics.NewCustomRegistry(), logs ?? FederationTestSupport.Logs);
        _cleanup.Add(broker);
        await broker.StartAsync(CancellationToken.None);
        return broker;
    }

    private async Task<T> Track<T>(Task<T> created)
        where T : IAsyncDisposable
    {
        var value = await created;
        _cleanup.Add(value);
        return value;
    }

    private static async Task<List<DecodedReply>> ReadRepliesAsync(ChoriaSubscription subscription, int count)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var result = new List<DecodedReply>();
        await foreach (var message in subscription.ReadAllAsync(timeout.Token))
        {
            Assert.True(ProtocolDecoder.TryDecodeReply(message.Data.Span, out var reply, out var error), error?.ToString());
            result.Add(reply);
            if (result.Count == count)
            {
                break;
            }
        }

        return result;
    }

    private static async Task AssertNoMoreAsync(ChoriaSubscription subscription)
    {
        await Task.Delay(200);
        Assert.False(subscription.TryRead(out var extra), $"unexpected extra message on {extra.Subject}");
    }

    private static async Task<double> SumAsync(CollectorRegistry registry, string metric, string? stage = null, string? connectedTo = null)
    {
        using var stream = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(stream);
        return Encoding.UTF8.GetString(stream.ToArray()).Split('\n')
            .Where(l => l.StartsWith(metric + "{", StringComparison.Ordinal))
            .Where(l => stage is null || l.Contains($"name=\"{stage}\"", StringComparison.Ordinal))
            .Where(l => connectedTo is null || l.Contains($"connected_to=\"{connectedTo}\"", StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }
}
