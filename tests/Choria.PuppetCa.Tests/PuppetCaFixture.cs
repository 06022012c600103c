using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Choria.Security;

namespace Choria.PuppetCa.Tests;

/// <summary>Every test of this project shares one real puppetserver and runs one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class PuppetServerGroup : ICollectionFixture<PuppetCaFixture>
{
    public const string Name = "Real puppetserver";

    /// <summary>The trait test.sh selects this slow group by (it runs beside the rest of the suite).</summary>
    public const string Requires = "puppetserver";
}

/// <summary>
/// Starts Debian's <c>puppetserver</c> once for the run (<see cref="PuppetServerProcess"/>) and runs the real
/// <c>choria</c> binary against it: as root, as an unprivileged user (setpriv), or as root with the ssldir
/// Puppet reports replaced by a temporary directory in a private mount namespace.
/// </summary>
public sealed class PuppetCaFixture : IAsyncLifetime
{
    /// <summary>Printed by every test when the server could not start; test.sh counts the group as one failure then.</summary>
    public const string Unavailable = "puppetserver unavailable:";

    /// <summary>The unprivileged user: nobody, who needs no passwd entry of ours.</summary>
    public const int UserId = 65534;

    /// <summary>Names the CA signs at once; anything else waits for <c>puppetserver ca sign</c>.</summary>
    public static readonly string[] Autosign = ["*.mcollective", "*.auto.example.net", "localhost"];

    private PuppetServerProcess? _server;

    public PuppetServerProcess Server => _server ?? throw new InvalidOperationException("puppetserver is not running");

    /// <summary>Test files; world-readable so the unprivileged user reaches its own directories below.</summary>
    public string Root { get; } = Path.Combine(Path.GetTempPath(), "choria-puppetca-tests-" + Guid.NewGuid().ToString("N")[..12]);

    /// <summary>A copy of the choria binary the unprivileged user may run (the checkout may sit in /root).</summary>
    public string Choria => Path.Combine(Root, "bin", "choria");

    public async Task InitializeAsync()
    {
        try
        {
            Directory.CreateDirectory(Path.Combine(Root, "bin"));
            File.SetUnixFileMode(Root, UnixFiles.Mode0755);
            File.SetUnixFileMode(Path.Combine(Root, "bin"), UnixFiles.Mode0755);
            File.Copy(ChoriaBinary.Path, Choria);
            File.SetUnixFileMode(Choria, UnixFiles.Mode0755);

            // Starting takes 30 s on a quiet machine and several minutes on a busy 2-core one.
            var minutes = int.TryParse(Environment.GetEnvironmentVariable("PUPPETSERVER_START_MINUTES"), out var m) ? m : 15;
            _server = await PuppetServerProcess.StartAsync(Autosign, TimeSpan.FromMinutes(minutes));
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"{Unavailable} {e.Message}", e);
        }
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }

    /// <summary>A fresh directory under <see cref="Root"/>; owned by the unprivileged user when <paramref name="forUser"/>.</summary>
    public async Task<string> NewDirAsync(string name, bool forUser = false)
    {
        var dir = Path.Combine(Root, name + "-" + Guid.NewGuid().ToString("N")[..6]);
        Directory.CreateDirectory(dir);
        File.SetUnixFileMode(dir, UnixFiles.Mode0755);
        if (forUser)
        {
            var chown = await ManagedProcess.RunAsync("chown", [$"{UserId}:{UserId}", dir], TimeSpan.FromSeconds(30));
            Assert.True(chown.ExitCode == 0, chown.Stderr);
        }

        return dir;
    }

    /// <summary>A client config naming the CA, without ssldir unless given; world-readable.</summary>
    public string WriteConfig(string dir, string identity, string? sslDir = null, string extra = "")
    {
        var path = Path.Combine(dir, "choria.conf");
        File.WriteAllText(path, $"""
            identity = {identity}
            loglevel = warn
            plugin.security.provider = puppet
            plugin.choria.use_srv = false
            plugin.choria.puppetca_host = {PuppetServerProcess.Host}
            plugin.choria.puppetca_port = {Server.Port}
            {(sslDir is null ? "" : "plugin.choria.ssldir = " + sslDir)}
            """ + "\n" + extra);
        File.SetUnixFileMode(path, UnixFiles.Mode0644);
        return path;
    }

    /// <summary>Runs choria as root.</summary>
    public Task<ProcessResult> RunAsync(params string[] arguments) =>
        ManagedProcess.RunAsync(Choria, arguments, s_commandTimeout);

    /// <summary>Runs choria as the unprivileged user with <paramref name="home"/> as HOME and USER <paramref name="user"/>.</summary>
    public Task<ProcessResult> RunAsUserAsync(string home, string user, params string[] arguments) =>
        ManagedProcess.RunAsync("setpriv", AsUser(arguments), s_commandTimeout, UserEnvironment(home, user));

    /// <summary>Starts choria as the unprivileged user without waiting.</summary>
    public ManagedProcess StartAsUser(string home, string user, params string[] arguments) =>
        ManagedProcess.Start("setpriv", AsUser(arguments), UserEnvironment(home, user), stdin: []);

    /// <summary>
    /// Starts choria as root where <paramref name="sslDir"/> (what Puppet reports) shows <paramref name="replacement"/>
    /// instead: a bind mount in a private mount namespace, so the machine's own ssldir is never touched.
    /// </summary>
    public ManagedProcess StartAsRootInPuppetSslDir(string sslDir, string replacement, params string[] arguments)
    {
        Directory.CreateDirectory(sslDir);
        return ManagedProcess.Start("unshare",
            ["--mount", "--propagation", "private", "--", "/bin/sh", "-c", "src=\"$0\"; dst=\"$1\"; shift; mount --bind \"$src\" \"$dst\" && exec \"$@\"", replacement, sslDir, .. (string[])[Choria, .. arguments]],
            stdin: []);
    }

    /// <summary>What the real Puppet says the ssldir is (as root: the system one).</summary>
    public static async Task<string> PuppetSslDirAsync()
    {
        var result = await ManagedProcess.RunAsync("puppet", ["config", "print", "ssldir"], TimeSpan.FromMinutes(2));
        Assert.True(result.ExitCode == 0, result.Stderr);
        return result.Stdout.Trim();
    }

    /// <summary>Files (not directories) below <paramref name="dir"/>, relative, sorted.</summary>
    public static string[] FilesBelow(string dir) =>
        Directory.Exists(dir)
            ? [.. Directory.GetFiles(dir, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(dir, f)).Order(StringComparer.Ordinal)]
            : [];

    /// <summary>Asserts <paramref name="certificatePath"/> was issued by this CA for <paramref name="certname"/> to <paramref name="keyPath"/>'s key.</summary>
    public void AssertIssued(string certificatePath, string keyPath, string certname)
    {
        using var certificate = X509Certificate2.CreateFromPem(File.ReadAllText(certificatePath));
        using var ca = X509Certificate2.CreateFromPem(File.ReadAllText(Server.CaCertificatePath));
        Assert.Equal("CN=" + certname, certificate.Subject);
        Assert.Equal(ca.Subject, certificate.Issuer);

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        Assert.True(chain.Build(certificate), string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));

        using var key = RSA.Create();
        key.ImportFromPem(File.ReadAllText(keyPath));
        using var publicKey = certificate.GetRSAPublicKey()!;
        Assert.Equal(key.ExportSubjectPublicKeyInfo(), publicKey.ExportSubjectPublicKeyInfo());
    }

    private static readonly TimeSpan s_commandTimeout = TimeSpan.FromMinutes(5);

    private string[] AsUser(string[] arguments) =>
        [$"--reuid={UserId}", $"--regid={UserId}", "--clear-groups", "--", Choria, .. arguments];

    private static Dictionary<string, string> UserEnvironment(string home, string user) => new()
    {
        ["HOME"] = home,
        ["USER"] = user,
    };
}
