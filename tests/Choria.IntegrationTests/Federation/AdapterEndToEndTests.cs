using System.Text.Json;
using Choria.IntegrationTests.Infrastructure;
using NATS.Client.JetStream;

namespace Choria.IntegrationTests.Federation;

/// <summary>
/// End to end: <c>choria broker run</c> with its own JetStream (<c>plugin.choria.network.stream.store</c>) and
/// two protocol adapters copying registration and discovery replies from real servers into streams (docs/adapters.md).
/// </summary>
public sealed class AdapterNetworkFixture : IAsyncLifetime
{
    public const string Node1 = "reg1.example.net";
    public const string Node2 = "reg2.example.net";
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    public ChoriaTestNetwork Network { get; } = new();
    public string ClientConfig { get; private set; } = "";

    public ChoriaTestClient Reader { get; private set; } = null!;

    public int StatsPort { get; private set; }


    public async Task InitializeAsync()
    {
        var ports = BrokerPorts.Free();
        var self = $"localhost:{ports.Client}";
        StatsPort = ports.Stats;
        // The adapter settings as docs/adapters.md shows them; stream.servers is left to default to the middleware.
        var config = Network.WriteBrokerConfig("broker", ports, $"""
            plugin.choria.middleware_hosts = {self}
            plugin.choria.network.stream.store = {Path.Combine(Network.Root, "jetstream")}
            plugin.choria.adapters = registration, discovery
            plugin.choria.adapter.registration.type = jetstream
            plugin.choria.adapter.registration.stream.topic = choria.registration.%s
            plugin.choria.adapter.registration.ingest.topic = mcollective.broadcast.agent.registration
            plugin.choria.adapter.registration.ingest.protocol = request
            plugin.choria.adapter.registration.ingest.workers = 2
            plugin.choria.adapter.registration.stream.workers = 2
            plugin.choria.adapter.discovery.type = choria_streams
            plugin.choria.adapter.discovery.stream.topic = choria.discovery
            plugin.choria.adapter.discovery.ingest.topic = mcollective.reply.>
            plugin.choria.adapter.discovery.ingest.protocol = reply
            plugin.choria.adapter.discovery.ingest.workers = 2
            plugin.choria.adapter.discovery.stream.workers = 2
            """);
        var broker = Network.StartChoriaBroker(config);
        await broker.WaitForOutputAsync("Protocol adapter discovery copying", s_timeout);
        await broker.WaitForOutputAsync("Protocol adapter registration copying", s_timeout);

        ClientConfig = Network.WriteClientConfig("rip.mcollective", middlewareHosts: self);
        // Streams are created without the nats CLI, exactly as docs/adapters.md describes.
        await CreateStreamAsync("REGISTRATION", "choria.registration.>");
        await CreateStreamAsync("DISCOVERY", "choria.discovery");
        Reader = await ChoriaTestClient.ConnectAsync(ClientConfig);

        var registration = Path.Combine(Network.Root, "registration.json");
        await File.WriteAllTextAsync(registration, """{"purpose":"e2e"}""");
        var extra = $"""
            registration = file_content
            registerinterval = 1
            plugin.choria.registration.file_content.data = {registration}
            plugin.choria.registration.file_content.compression = false
            """ + "\n";
        await Task.WhenAll(
            Network.StartServerAsync(Node1, extraConfig: extra, middlewareHosts: self),
            Network.StartServerAsync(Node2, extraConfig: extra, middlewareHosts: self));
    }

    public async Task DisposeAsync()
    {
        if (Reader is not null)
        {
            await Reader.DisposeAsync();
        }

        await Network.DisposeAsync();
    }

    private async Task CreateStreamAsync(string name, string subject)
    {
        var file = Path.Combine(Network.Root, name + ".json");
        await File.WriteAllTextAsync(file, $$"""{"name":"{{name}}","subjects":["{{subject}}"],"storage":"file","max_age":3600000000000}""");
        var (code, output) = await Network.RunChoriaAsync(
            ["tool", "pub", "$JS.API.STREAM.CREATE." + name, "--input", file, "--reply", "_INBOX.adapter_e2e", "--config", ClientConfig], s_timeout);
        if (code != 0)
        {
            throw new InvalidOperationException($"creating stream {name} failed:\n{output}");
        }
    }
}

/// <summary>Registration and discovery replies from real servers land in the adapters' streams.</summary>
[Trait(TestCategory.Name, TestCategory.Process)]
public sealed class AdapterEndToEndTests(AdapterNetworkFixture fixture) : IClassFixture<AdapterNetworkFixture>
{
    private const string Node1 = AdapterNetworkFixture.Node1;
    private const string Node2 = AdapterNetworkFixture.Node2;
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    private async Task<List<(string Subject, JsonElement Doc)>> ReadStreamAsync(string stream, int atLeast)
    {
        var js = new NatsJSContext(fixture.Reader.Connection.Nats);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        var total = 0;
        while (DateTime.UtcNow < deadline)
        {
            total = (int)(await js.GetStreamAsync(stream)).Info.State.Messages;
            if (total >= atLeast)
            {
                break;
            }

            await Task.Delay(100);
        }

        var result = new List<(string, JsonElement)>();
        if (total == 0)
        {
            return result;
        }

        var consumer = await js.CreateOrderedConsumerAsync(stream);
        await foreach (var message in consumer.FetchAsync<byte[]>(new NatsJSFetchOpts { MaxMsgs = total, Expires = TimeSpan.FromSeconds(5) }))
        {
            result.Add((message.Subject, JsonDocument.Parse(message.Data!).RootElement.Clone()));
        }

        return result;
    }

    [Fact]
    public async Task Registration_from_each_server_lands_in_the_stream_per_sender_subject()
    {
        // One server can register twice before the other's first (splayed) registration: wait for both senders.
        var messages = await ReadStreamAsync("REGISTRATION", 2);
        for (var more = 3; more < 20 && messages.Select(m => m.Subject).Distinct(StringComparer.Ordinal).Count() < 2; more++)
        {
            messages = await ReadStreamAsync("REGISTRATION", more);
        }

        var subjects = messages.Select(m => m.Subject).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        Assert.Equal([$"choria.registration.{Node1}", $"choria.registration.{Node2}"], subjects);
        Assert.All(messages, m =>
        {
            Assert.Equal("choria:adapters:jetstream:output:1", m.Doc.GetProperty("protocol").GetString());
            Assert.Equal(m.Subject["choria.registration.".Length..], m.Doc.GetProperty("sender").GetString());
            Assert.Equal(32, m.Doc.GetProperty("requestid").GetString()!.Length);
            Assert.EndsWith("Z", m.Doc.GetProperty("time").GetString(), StringComparison.Ordinal);
            // data is the registration message verbatim: file_content's JSON with the file base64-encoded.
            var data = JsonDocument.Parse(m.Doc.GetProperty("data").GetString()!).RootElement;
            Assert.Equal("choria:registration:filecontent:1", data.GetProperty("protocol").GetString());
            Assert.Equal("""{"purpose":"e2e"}""", System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(data.GetProperty("content").GetString()!)));
        });
    }

    [Fact]
    public async Task Streams_created_with_tool_pub_show_in_the_proxied_jsz()
    {
        // docs/adapters.md: the stats port proxies nats-server's /jsz, no nats CLI needed to check.
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var jsz = await http.GetStringAsync(new Uri($"http://127.0.0.1:{fixture.StatsPort}/jsz?streams=true"));
        Assert.Contains("\"REGISTRATION\"", jsz, StringComparison.Ordinal);
        Assert.Contains("\"DISCOVERY\"", jsz, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_discovery_reply_of_every_ping_lands_in_the_stream_exactly_once()
    {
        const int Pings = 3;
        for (var i = 0; i < Pings; i++)
        {
            var (code, output) = await fixture.Network.RunChoriaAsync(["ping", "--names", "--expect", "2", "-t", "2", "--config", fixture.ClientConfig], s_timeout);
            Assert.True(code == 0, output);
            Assert.Contains(Node1, output, StringComparison.Ordinal);
            Assert.Contains(Node2, output, StringComparison.Ordinal);
        }

        var messages = await ReadStreamAsync("DISCOVERY", 2 * Pings);
        // Wait a little longer than it took to see them all: a duplicate would arrive in the same moment.
        await Task.Delay(300);
        messages = await ReadStreamAsync("DISCOVERY", 2 * Pings);
        Assert.Equal(2 * Pings, messages.Count);
        Assert.All(messages, m =>
        {
            Assert.Equal("choria.discovery", m.Subject);
            Assert.Equal("choria:adapters:choria_streams:output:1", m.Doc.GetProperty("protocol").GetString());
            Assert.Equal("pong", m.Doc.GetProperty("data").GetString());
        });
        Assert.Equal(Pings, messages.Select(m => m.Doc.GetProperty("requestid").GetString()).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal([Node1, Node2], messages.Select(m => m.Doc.GetProperty("sender").GetString()!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));
    }
}
