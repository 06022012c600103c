namespace Choria.Config.Tests;

/// <summary>Options isolated from the machine: fixed host name, no DNS, empty environment.</summary>
internal static class TestOptions
{
    public static ConfigLoadOptions Make(Dictionary<string, string?>? env = null, string home = "/home/tester") => new()
    {
        Environment = env ?? [],
        HostnameProvider = () => "node1.example.net",
        FqdnResolver = _ => null,
        HomeDirectory = home,
    };

    public static ChoriaConfig Load(string text, Dictionary<string, string?>? env = null) =>
        ConfigLoader.LoadText(text, "test.conf", Make(env)).Config;
}

/// <summary>A temporary directory removed on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "choria-config-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Write(string relative, string content)
    {
        var full = System.IO.Path.Combine(Path, relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
        return full;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
