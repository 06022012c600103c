using Choria.Connector;
using Choria.Security;
using Choria.Security.Dev;
using Microsoft.Extensions.Logging.Abstractions;

namespace Choria.Server.Tests;

/// <summary>A real nats-server, a connection to it and a file security provider issued by a dev CA.</summary>
internal sealed class TestNetwork : IAsyncDisposable
{
    private readonly DirectoryInfo _dir;

    private TestNetwork(NatsServerProcess nats, ChoriaConnection connection, ChoriaConnection observer, FileSecurityProvider security, DevCertificateAuthority ca, DirectoryInfo dir)
    {
        Nats = nats;
        Connection = connection;
        Observer = observer;
        Security = security;
        Ca = ca;
        _dir = dir;
    }

    public NatsServerProcess Nats { get; }

    /// <summary>The connection the component under test publishes on.</summary>
    public ChoriaConnection Connection { get; }

    /// <summary>A second client that subscribes to what was published.</summary>
    public ChoriaConnection Observer { get; }

    public FileSecurityProvider Security { get; }

    public DevCertificateAuthority Ca { get; }

    public static async Task<TestNetwork> StartAsync(string certname = "node1.example.net")
    {
        var dir = Directory.CreateTempSubdirectory("choria-srvtest-");
        var ca = DevCertificateAuthority.Create(Path.Combine(dir.FullName, "ca"));
        var issued = ca.IssueCertificate(certname, [certname], Path.Combine(dir.FullName, "ssl"));
        var security = new FileSecurityProvider(new FileSecurityOptions
        {
            Certificate = issued.CertificatePath,
            Key = issued.PrivateKeyPath,
            Ca = issued.CaPath,
            CacheDirectory = Path.Combine(dir.FullName, "cache"),
            Identity = certname,
        });
        var nats = await NatsServerProcess.StartAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var options = new ConnectorOptions { Servers = [nats.Host], Name = certname };
        var connection = await ChoriaConnection.ConnectAsync(options, NullLogger.Instance, cts.Token);
        var observer = await ChoriaConnection.ConnectAsync(options with { Name = "observer" }, NullLogger.Instance, cts.Token);
        return new TestNetwork(nats, connection, observer, security, ca, dir);
    }

    public async ValueTask DisposeAsync()
    {
        await Connection.DisposeAsync();
        await Observer.DisposeAsync();
        Nats.Dispose();
        Ca.Dispose();
        try
        {
            _dir.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
