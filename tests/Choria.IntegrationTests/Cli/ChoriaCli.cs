using System.Text;

namespace Choria.IntegrationTests.Cli;

/// <summary>
/// Runs the real <c>choria</c> binary (env <c>CHORIA_BIN</c>, else <c>&lt;repo&gt;/dist/choria</c>) against a
/// client config in a temporary directory, insecure (no TLS, no signing) so no certificates are needed.
/// </summary>
internal sealed class ChoriaCli : IDisposable
{
    private readonly string _dir;

    public ChoriaCli(string middlewareHostPort)
    {
        _dir = Directory.CreateTempSubdirectory("choria-cli-").FullName;
        ConfigFile = Path.Combine(_dir, "client.conf");
        File.WriteAllText(ConfigFile, $"""
            plugin.choria.middleware_hosts = {middlewareHostPort}
            plugin.choria.use_srv = false
            plugin.security.provider = file
            identity = cli.example.net
            """);
        Environment = new Dictionary<string, string>
        {
            ["INSECURE_YES_REALLY"] = "true",
            ["HOME"] = _dir,
            ["MCOLLECTIVE_CERTNAME"] = "cli.example.net",
        };
    }

    public static string Binary
    {
        get
        {
            var env = System.Environment.GetEnvironmentVariable("CHORIA_BIN");
            return string.IsNullOrEmpty(env) ? Path.Combine(RepoRoot(), "dist", "choria") : env;
        }
    }

    public string ConfigFile { get; }

    public IReadOnlyDictionary<string, string> Environment { get; }

    public ManagedProcess Start(params string[] args) => ManagedProcess.Start(Binary, WithConfig(args), Environment, stdin: []);

    public Task<ProcessResult> RunAsync(string[] args, byte[]? stdin = null, TimeSpan? timeout = null) =>
        ManagedProcess.RunAsync(Binary, WithConfig(args), timeout ?? TimeSpan.FromSeconds(20), Environment, stdin);

    public string WriteFile(string name, string content)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, Encoding.UTF8.GetBytes(content));
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // Best effort cleanup of a temp directory.
        }
    }

    private string[] WithConfig(string[] args) => [.. args, "--config", ConfigFile];

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Choria.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("repository root (Choria.slnx) not found above " + AppContext.BaseDirectory);
    }
}
