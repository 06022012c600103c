using System.Text;
using System.Text.Json;
using Choria.Broker.Adapters;
using Choria.Broker.Tests.Federation;
using Choria.Protocol.Messages;
using Choria.Protocol.Subjects;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using Prometheus;

namespace Choria.Broker.Tests.Adapters;

[Trait(TestCategory.Name, TestCategory.Process)]
public sealed class ProtocolAdapterTests : IAsyncLifetime
{
    private const string StreamName = "REGISTRATION";
    private static readonly string s_ingestSubject = ChoriaSubjects.Registration("mcollective");
    private readonly List<IAsyncDisposable> _cleanup = [];
    private NatsServerProcess _collective = null!;
    private NatsServerProcess _stream = null!;

    public async Task InitializeAsync()
    {
        _collective = await NatsServerProcess.StartAsync();
        _stream = await NatsServerProcess.StartAsync(jetStream: true);
        await using var connection = await FederationTestSupport.ConnectAsync(_stream);
        await new NatsJSContext(connection.Nats).CreateStreamAsync(new StreamConfig(StreamName, ["choria.registration.>"]));
    }

    public async Task DisposeAsync()
    {
        for (var i = _cleanup.Count - 1; i >= 0; i--)
        {
            await _cleanup[i].DisposeAsync();
        }

        _collective.Dispose();
        _stream.Dispose();
    }

    [Fact]
    public async Task Messages_from_several_publishers_land_in_the_stream_in_the_output_format()
    {
        var registry = Metrics.NewCustomRegistry();
        var adapter = await StartAdapterAsync(registry);
        const int perPublisher = 50;
        string[] senders = ["n1.example.net", "n2.example.net", "n3.example.net"];

        await Task.WhenAll(senders.Select(sender => PublishRegistrationsAsync(sender, perPublisher)));

        await FederationTestSupport.WaitUntilAsync(() => adapter.Stored == senders.Length * perPublisher);
        var stored = await ReadStreamAsync();
        Assert.Equal(senders.Length * perPublisher, stored.Count);
        foreach (var sender in senders)
        {
            Assert.Equal(perPublisher, stored.Count(m => m.Subject == $"choria.registration.{sender}"));
        }

        using var document = JsonDocument.Parse(stored[0].Data);
        var root = document.RootElement;
        Assert.Equal(["protocol", "data", "sender", "time", "requestid"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("choria:adapters:jetstream:output:1", root.GetProperty("protocol").GetString());
        Assert.StartsWith("{\"identity\":", root.GetProperty("data").GetString(), StringComparison.Ordinal);
        Assert.Equal(32, root.GetProperty("requestid").GetString()!.Length);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", root.GetProperty("time").GetString());
        Assert.Equal(0, adapter.Dropped(AdapterDropReason.Malformed) + adapter.Dropped(AdapterDropReason.QueueFull) + adapter.Dropped(AdapterDropReason.PublishFailed));
        Assert.Contains("choria_adapter_queue_capacity{name=\"reg\",identity=\"broker.example.net\"} 1000", await ExportAsync(registry), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stream_outage_counts_lost_messages_and_the_adapter_resumes_after_restart()
    {
        var adapter = await StartAdapterAsync();
        await PublishRegistrationsAsync("n1.example.net", 10);
        await FederationTestSupport.WaitUntilAsync(() => adapter.Stored == 10);

        _stream.Stop();
        await FederationTestSupport.WaitUntilAsync(() => adapter.ConnectedOutputs == 0);
        await PublishRegistrationsAsync("n1.example.net", 20);
        await FederationTestSupport.WaitUntilAsync(() => Lost(adapter) == 20);
        Assert.Equal(10, adapter.Stored);

        await _stream.StartAgainAsync();
        await FederationTestSupport.WaitUntilAsync(() => adapter.ConnectedOutputs == 3, TimeSpan.FromSeconds(15));
        await PublishRegistrationsAsync("n1.example.net", 30);
        await FederationTestSupport.WaitUntilAsync(() => adapter.Stored == 40);
        Assert.Equal(40, (await ReadStreamAsync()).Count);
        Assert.Equal(20, Lost(adapter));
    }

    [Fact]
    public async Task Malformed_input_is_dropped_with_a_reason_and_the_adapter_keeps_running()
    {
        var adapter = await StartAdapterAsync();
        var publisher = await Track(FederationTestSupport.ConnectAsync(_collective, "bad"));
        await publisher.PublishAsync(s_ingestSubject, Encoding.UTF8.GetBytes("not json"));
        await publisher.PublishAsync(s_ingestSubject, Encoding.UTF8.GetBytes("{\"protocol\":\"choria:transport:1\",\"data\":\"e30=\",\"headers\":{}}"));
        await FederationTestSupport.WaitUntilAsync(() => adapter.Dropped(AdapterDropReason.Malformed) == 2);

        await PublishRegistrationsAsync("n1.example.net", 5);
        await FederationTestSupport.WaitUntilAsync(() => adapter.Stored == 5);
    }

    [Fact]
    public async Task A_full_queue_drops_instead_of_blocking_ingest()
    {
        // A plain subscriber that never acknowledges stalls the single output worker for PublishTimeout;
        // a publish window of one makes the worker wait on that first ack instead of pipelining.
        var blackhole = await Track(FederationTestSupport.ConnectAsync(_stream, "blackhole"));
        await using var sub = await blackhole.SubscribeAsync("blackhole.>");
        await blackhole.FlushAsync();
        var options = Options() with { StreamTopic = "blackhole.%s", QueueLength = 1, StreamWorkers = 1, IngestWorkers = 1, PublishWindow = 1, PublishTimeout = TimeSpan.FromSeconds(5) };
        var adapter = new ProtocolAdapter(options, FederationTestSupport.Resolver, FederationTestSupport.Plain, Metrics.NewCustomRegistry(), FederationTestSupport.Logs);
        _cleanup.Add(adapter);
        await adapter.StartAsync(CancellationToken.None);

        await PublishRegistrationsAsync("n1.example.net", 10);

        await FederationTestSupport.WaitUntilAsync(() => adapter.Ingested + adapter.Dropped(AdapterDropReason.QueueFull) == 10, TimeSpan.FromSeconds(3));
        Assert.InRange(adapter.Dropped(AdapterDropReason.QueueFull), 8, 9);
    }

    [Fact]
    public async Task Start_connects_the_stream_side_before_ingesting()
    {
        _stream.Stop();
        var adapter = new ProtocolAdapter(Options(), FederationTestSupport.Resolver, FederationTestSupport.Plain, Metrics.NewCustomRegistry(), FederationTestSupport.Logs);
        _cleanup.Add(adapter);
        using var starting = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => adapter.StartAsync(starting.Token));
        Assert.Equal(0, adapter.ConnectedOutputs);
    }

    private static long Lost(ProtocolAdapter adapter) =>
        adapter.Dropped(AdapterDropReason.StreamDisconnected) + adapter.Dropped(AdapterDropReason.PublishFailed) + adapter.Dropped(AdapterDropReason.QueueFull);

    private AdapterOptions Options() => new()
    {
        Name = "reg",
        Identity = "broker.example.net",
        StreamTopic = "choria.registration.%s",
        IngestTopic = s_ingestSubject,
        IngestProtocol = AdapterIngestProtocol.Request,
        StreamWorkers = 3,
        IngestWorkers = 3,
        StreamBrokers = FederationTestSupport.Hosts(_stream),
        CollectiveBrokers = FederationTestSupport.Hosts(_collective),
        PublishTimeout = TimeSpan.FromMilliseconds(500),
    };

    private async Task<ProtocolAdapter> StartAdapterAsync(CollectorRegistry? registry = null)
    {
        var adapter = new ProtocolAdapter(Options(), FederationTestSupport.Resolver, FederationTestSupport.Plain, registry ?? Metrics.NewCustomRegistry(), FederationTestSupport.Logs);
        _cleanup.Add(adapter);
        await adapter.StartAsync(CancellationToken.None);
        return adapter;
    }

    private async Task PublishRegistrationsAsync(string sender, int count)
    {
        await using var connection = await FederationTestSupport.ConnectAsync(_collective, sender);
        for (var i = 0; i < count; i++)
        {
            var request = Request.Create(new RequestSpec { Agent = "registration", Collective = "mcollective", CallerId = $"choria={sender}", SenderId = sender, Message = $"{{\"identity\":\"{sender}\",\"n\":{i}}}" }, TimeProvider.System);
            var secure = SecureRequest.Create(request.ToJson(), SecureRequest.Insecure, SecureRequest.Insecure);
            var transport = TransportMessage.Create(secure.ToJson(), new TransportHeaders { ReplyTo = ChoriaSubjects.DevNull, McSender = sender });
            await connection.PublishAsync(s_ingestSubject, transport.ToUtf8Bytes());
        }

        await connection.FlushAsync();
    }

    private async Task<List<(string Subject, byte[] Data)>> ReadStreamAsync()
    {
        await using var connection = await FederationTestSupport.ConnectAsync(_stream, "reader");
        var js = new NatsJSContext(connection.Nats);
        var stream = await js.GetStreamAsync(StreamName);
        var total = (int)stream.Info.State.Messages;
        var result = new List<(string, byte[])>();
        if (total == 0)
        {
            return result;
        }

        var consumer = await js.CreateOrderedConsumerAsync(StreamName);
        await foreach (var message in consumer.FetchAsync<byte[]>(new NatsJSFetchOpts { MaxMsgs = total, Expires = TimeSpan.FromSeconds(5) }))
        {
            result.Add((message.Subject, message.Data!));
        }

        return result;
    }

    private async Task<T> Track<T>(Task<T> created)
        where T : IAsyncDisposable
    {
        var value = await created;
        _cleanup.Add(value);
        return value;
    }

    private static async Task<string> ExportAsync(CollectorRegistry registry)
    {
        using var stream = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(stream);
        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
