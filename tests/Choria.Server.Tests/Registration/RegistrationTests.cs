using System.IO.Compression;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Choria.Config;
using Choria.Protocol.Messages;
using Choria.Server.Registration;
using Choria.Server.Runtime;
using Microsoft.Extensions.Logging.Abstractions;

namespace Choria.Server.Tests.Registration;

[Trait(TestCategory.Name, TestCategory.Process)]
public sealed class RegistrationTests : IDisposable
{
    private static readonly DateTime s_mtime = DateTime.UnixEpoch.AddSeconds(1578175200);
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("choria-reg-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public void Plain_message_matches_the_fixture_byte_for_byte_apart_from_the_path()
    {
        var file = DataFile("{\"file\": true}");
        var registration = new FileContentRegistration(new FileContentOptions { DataFile = file, Compression = false });

        var result = registration.Poll();

        var expected = File.ReadAllText(TestPaths.Fixture("server", "examples", "registration_filecontent_plain.json")).Trim()
            .Replace("/etc/choria/registration.json", file, StringComparison.Ordinal);
        Assert.True(result.Success);
        Assert.Equal(expected, Encoding.UTF8.GetString(result.Item!.Data));
        Assert.Equal("", result.Item.Target);
    }

    [Fact]
    public void Gzip_content_round_trips_to_the_file_bytes_and_decodes_the_fixture()
    {
        var text = "{\"file\": true}";
        var file = DataFile(text);
        var registration = new FileContentRegistration(new FileContentOptions { DataFile = file });

        using var doc = JsonDocument.Parse(registration.Poll().Item!.Data);
        var root = doc.RootElement;
        Assert.False(root.TryGetProperty("content", out _));
        Assert.Equal(["mtime", "file", "updated", "protocol", "zcontent"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(text, Gunzip(root.GetProperty("zcontent").GetString()!));

        using var fixture = JsonDocument.Parse(File.ReadAllBytes(TestPaths.Fixture("server", "examples", "registration_filecontent_gzip.json")));
        Assert.Equal(text, Gunzip(fixture.RootElement.GetProperty("zcontent").GetString()!));
    }

    [Fact]
    public void Updated_is_false_first_then_true_only_when_mtime_increases()
    {
        var file = DataFile("one");
        var registration = new FileContentRegistration(new FileContentOptions { DataFile = file, Compression = false });

        Assert.False(Updated(registration));
        Assert.False(Updated(registration));
        File.SetLastWriteTimeUtc(file, s_mtime.AddSeconds(10));
        Assert.True(Updated(registration));
        Assert.False(Updated(registration));
        File.SetLastWriteTimeUtc(file, s_mtime.AddSeconds(5));
        Assert.False(Updated(registration));
    }

    [Fact]
    public void Missing_and_empty_files_publish_nothing_with_the_2020_reasons()
    {
        var missing = Path.Combine(_dir.FullName, "nope.json");
        var empty = DataFile("");
        var a = new FileContentRegistration(new FileContentOptions { DataFile = missing }).Poll();
        var b = new FileContentRegistration(new FileContentOptions { DataFile = empty }).Poll();

        Assert.Equal(RegistrationFailure.DataFileMissing, a.Failure);
        Assert.Equal($"could not find data file {missing}", a.Reason);
        Assert.Equal(RegistrationFailure.DataFileEmpty, b.Failure);
        Assert.Equal($"data file {empty} is empty", b.Reason);
    }

    [Fact]
    public void Options_come_from_config_and_reject_unknown_plugins_and_missing_data()
    {
        var data = DataFile("x");
        var options = RegistrationOptions.FromConfig(Config(
            $"registration = file_content\nregisterinterval = 10\nregistration_splay = true\ncollectives = mcollective,other\nregistration_collective = other\nttl = 90\n" +
            $"plugin.choria.registration.file_content.data = {data}\nplugin.choria.registration.file_content.target = my.subject\nplugin.choria.registration.file_content.compression = false\n"));
        Assert.Equal(new FileContentOptions { DataFile = data, Target = "my.subject", Compression = false }, options.FileContent);
        Assert.Equal(TimeSpan.FromSeconds(10), options.Interval);
        Assert.True(options.Splay);
        Assert.Equal("other", options.Collective);
        Assert.Equal(90, options.Ttl);

        Assert.False(RegistrationOptions.FromConfig(Config("")).Enabled);
        Assert.Equal("mcollective", RegistrationOptions.FromConfig(Config("")).Collective);
        var unknown = Assert.Throws<ConfigException>(() => RegistrationOptions.FromConfig(Config("registration = file_content,bogus\nplugin.choria.registration.file_content.data = /x\n")));
        Assert.Equal("unknown registration plugin: bogus", unknown.Message);
        var noData = Assert.Throws<ConfigException>(() => RegistrationOptions.FromConfig(Config("registration = file_content\n")));
        Assert.Equal("file fontent registration is enabled but no source data is configured, please set plugin.choria.registration.file_content.data", noData.Message);
    }

    [Fact]
    public async Task Published_transport_decodes_to_a_signed_registration_request()
    {
        await using var net = await TestNetwork.StartAsync();
        var file = DataFile("{\"file\": true}");
        var options = new RegistrationOptions
        {
            FileContent = new FileContentOptions { DataFile = file, Compression = false },
            Collective = "mcollective",
            Collectives = ["mcollective"],
            Ttl = 75,
        };
        await using var sub = await net.Observer.SubscribeAsync("mcollective.broadcast.agent.registration");
        await net.Observer.FlushAsync();
        var publisher = new RegistrationPublisher(options, net.Connection, net.Security, "node1.example.net", NullLogger.Instance);

        Assert.Null(await publisher.PublishOnceAsync(CancellationToken.None));

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var received = await sub.ReadAllAsync(cts.Token).FirstAsync(cts.Token);
        Assert.True(TransportMessage.TryParse(received.Data.Span, out var transport, out _));
        Assert.Equal("dev.null", transport.Headers.ReplyTo);
        Assert.Equal("node1.example.net", transport.Headers.McSender);
        Assert.True(transport.TryDecodeData(out var secureBytes, out _));
        Assert.True(SecureRequest.TryParse(secureBytes, out var secure, out _));

        using var cert = X509Certificate2.CreateFromPem(secure.PubCert);
        Assert.Equal("CN=node1.example.net", cert.Subject);
        using var rsa = cert.GetRSAPublicKey()!;
        Assert.True(rsa.VerifyData(Encoding.UTF8.GetBytes(secure.Message), Convert.FromBase64String(secure.Signature), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        Assert.Equal(File.ReadAllText(net.Security.CertificatePath), secure.PubCert);

        Assert.True(secure.TryParseRequest(out var request, out _));
        var env = request.Envelope;
        Assert.Equal(("registration", "mcollective", "choria=node1.example.net", "node1.example.net", 75L), (env.Agent, env.Collective, env.CallerId, env.SenderId, env.Ttl));
        Assert.True(env.Filter.IsEmpty);
        Assert.InRange(env.Time, DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 30, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);

        using var payload = JsonDocument.Parse(request.Message);
        Assert.Equal("choria:registration:filecontent:1", payload.RootElement.GetProperty("protocol").GetString());
        Assert.Equal("eyJmaWxlIjogdHJ1ZX0=", payload.RootElement.GetProperty("content").GetString());
        Assert.Equal(file, payload.RootElement.GetProperty("file").GetString());
    }

    [Fact]
    public async Task Custom_target_receives_the_full_transport_and_disconnected_publishes_are_skipped()
    {
        await using var net = await TestNetwork.StartAsync();
        var options = new RegistrationOptions
        {
            FileContent = new FileContentOptions { DataFile = DataFile("data"), Target = "custom.registration" },
            Collective = "mcollective",
        };
        await using var sub = await net.Observer.SubscribeAsync("custom.registration");
        await net.Observer.FlushAsync();
        var counters = new ServerCounters();
        var publisher = new RegistrationPublisher(options, net.Connection, net.Security, "node1.example.net", NullLogger.Instance, counters: counters);

        Assert.Null(await publisher.PublishOnceAsync(CancellationToken.None));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var received = await sub.ReadAllAsync(cts.Token).FirstAsync(cts.Token);
        Assert.True(TransportMessage.TryParse(received.Data.Span, out _, out _));

        net.Nats.Stop();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (net.Connection.IsConnected && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.Equal(RegistrationFailure.NotConnected, await publisher.PublishOnceAsync(CancellationToken.None));
        Assert.Equal(1, counters.RegistrationFailures(RegistrationFailure.NotConnected));
    }

    [Fact]
    public async Task A_missing_or_empty_data_file_is_counted_by_reason_then_logged_and_publishes_nothing()
    {
        var file = Path.Combine(_dir.FullName, "later.json");
        var options = new RegistrationOptions { FileContent = new FileContentOptions { DataFile = file }, Collective = "mcollective" };
        var counters = new ServerCounters();
        var logger = new CapturingLogger();
        var publisher = new RegistrationPublisher(options, null!, null!, "node1.example.net", logger, counters: counters);

        Assert.Equal(RegistrationFailure.DataFileMissing, await publisher.PublishOnceAsync(CancellationToken.None));
        Assert.Equal(RegistrationFailure.DataFileMissing, await publisher.PublishOnceAsync(CancellationToken.None));
        await File.WriteAllTextAsync(file, "");
        Assert.Equal(RegistrationFailure.DataFileEmpty, await publisher.PublishOnceAsync(CancellationToken.None));

        Assert.Equal(2, counters.RegistrationFailures(RegistrationFailure.DataFileMissing));
        Assert.Equal(1, counters.RegistrationFailures(RegistrationFailure.DataFileEmpty));
        Assert.Equal(0, counters.RegistrationFailures(RegistrationFailure.PublishFailed));
        Assert.Equal([$"could not find data file {file}", $"could not find data file {file}", $"data file {file} is empty"], logger.Entries.Select(e => e.Message));
    }

    [Fact]
    public async Task Schedule_publishes_after_the_short_initial_delay_and_stops_cleanly()
    {
        await using var net = await TestNetwork.StartAsync();
        var options = new RegistrationOptions
        {
            FileContent = new FileContentOptions { DataFile = DataFile("data") },
            Collective = "mcollective",
            Interval = TimeSpan.FromHours(1),
        };
        await using var sub = await net.Observer.SubscribeAsync("mcollective.broadcast.agent.registration");
        await net.Observer.FlushAsync();
        var publisher = new RegistrationPublisher(options, net.Connection, net.Security, "node1.example.net", NullLogger.Instance);

        await publisher.StartAsync(CancellationToken.None);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var received = await sub.ReadAllAsync(cts.Token).FirstAsync(cts.Token);
        await publisher.StopAsync(cts.Token);

        Assert.True(TransportMessage.TryParse(received.Data.Span, out _, out _));
    }

    [Fact]
    public void Registration_collective_outside_the_collectives_fails_message_creation()
    {
        var options = new RegistrationOptions { Collective = "other", Collectives = ["mcollective"] };
        var publisher = new RegistrationPublisher(options, null!, null!, "node1.example.net", NullLogger.Instance);

        Assert.False(publisher.TryBuildMessage(new RegistrationItem("{}"u8.ToArray(), ""), out _, out var reason));
        Assert.Contains("collective other is not one of the configured collectives", reason, StringComparison.Ordinal);
    }

    private static bool Updated(FileContentRegistration registration)
    {
        using var doc = JsonDocument.Parse(registration.Poll().Item!.Data);
        return doc.RootElement.GetProperty("updated").GetBoolean();
    }

    private static string Gunzip(string base64)
    {
        using var gzip = new GZipStream(new MemoryStream(Convert.FromBase64String(base64)), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip);
        return reader.ReadToEnd();
    }

    private static ChoriaConfig Config(string text) =>
        ConfigLoader.LoadText("identity = node1.example.net\n" + text, options: new ConfigLoadOptions { Role = ConfigRole.Server }).Config;

    private string DataFile(string content)
    {
        var path = Path.Combine(_dir.FullName, $"reg-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, content);
        File.SetLastWriteTimeUtc(path, s_mtime);
        return path;
    }
}
