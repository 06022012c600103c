using System.CommandLine;
using Choria.Connector;
using Choria.Protocol.Lifecycle;
using Choria.Security.Dev;
using Microsoft.Extensions.Logging.Abstractions;

namespace Choria.Cli.Tests;

[Trait(TestCategory.Name, TestCategory.Process)]
public sealed class ToolEventCommandTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("choria-toolevent-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public async Task Prints_banner_and_filtered_events_from_a_real_broker_until_interrupted()
    {
        using var ca = DevCertificateAuthority.Create(Path.Combine(_dir.FullName, "ca"));
        var broker = ca.IssueCertificate("localhost", [], Path.Combine(_dir.FullName, "broker"));
        var client = ca.IssueCertificate("tester.mcollective", [], Path.Combine(_dir.FullName, "client"));
        using var nats = await NatsServerProcess.StartAsync(
            $"tls {{\n cert_file: \"{broker.CertificatePath}\"\n key_file: \"{broker.PrivateKeyPath}\"\n ca_file: \"{broker.CaPath}\"\n verify: true\n timeout: 2\n}}");
        var config = Path.Combine(_dir.FullName, "client.conf");
        await File.WriteAllTextAsync(config, $"""
            identity = tester.mcollective
            plugin.security.provider = file
            plugin.security.file.certificate = {client.CertificatePath}
            plugin.security.file.key = {client.PrivateKeyPath}
            plugin.security.file.ca = {client.CaPath}
            plugin.security.file.cache = {Path.Combine(_dir.FullName, "cache")}
            plugin.choria.middleware_hosts = localhost:{nats.Port}

            """);

        var output = new LockedStringWriter();
        var error = new LockedStringWriter();
        using var interrupt = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var run = ChoriaApp.BuildRoot().Parse(["--config", config, "tool", "event", "--type", "startup"])
            .InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, interrupt.Token);
        await WaitForAsync(() => output.ToString().Contains("Waiting for events", StringComparison.Ordinal) || run.IsCompleted);
        Assert.False(run.IsCompleted, error.ToString());

        await using var publisher = await ChoriaConnection.ConnectAsync(
            new ConnectorOptions
            {
                Servers = [new BrokerHost("localhost", nats.Port)],
                Tls = new ConnectorTlsOptions(client.CertificatePath, client.PrivateKeyPath, client.CaPath),
                Name = "publisher",
            },
            NullLogger.Instance,
            interrupt.Token);
        var alive = LifecycleEvent.Create(LifecycleEventType.Alive, "n1.example.net", "server", "1.0.0", TimeProvider.System);
        var startup = LifecycleEvent.Create(LifecycleEventType.Startup, "n1.example.net", "server", "1.0.0", TimeProvider.System);
        await publisher.PublishAsync(alive.Subject, alive.ToCloudEventJson());
        await publisher.PublishAsync(startup.Subject, startup.ToCloudEventJson());
        await WaitForAsync(() => output.ToString().Contains("[startup]", StringComparison.Ordinal));
        await interrupt.CancelAsync();
        var code = await run;

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(0, code);
        Assert.Equal($"Waiting for events from topic choria.lifecycle.event.> on nats://localhost:{nats.Port}", lines[0]);
        Assert.Equal(2, lines.Length);
        Assert.Matches(@"^\d\d:\d\d:\d\d \[startup\] n1\.example\.net: server version 1\.0\.0$", lines[1]);
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
    }
}

/// <summary>The command writes from its own task while the test polls the text.</summary>
internal sealed class LockedStringWriter : StringWriter
{
    private readonly Lock _lock = new();

    public override void Write(char value)
    {
        lock (_lock)
        {
            base.Write(value);
        }
    }

    public override void Write(string? value)
    {
        lock (_lock)
        {
            base.Write(value);
        }
    }

    public override void Write(char[] buffer, int index, int count)
    {
        lock (_lock)
        {
            base.Write(buffer, index, count);
        }
    }

    public override Task WriteLineAsync(string? value)
    {
        WriteLine(value);
        return Task.CompletedTask;
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override string ToString()
    {
        lock (_lock)
        {
            return base.ToString();
        }
    }
}
