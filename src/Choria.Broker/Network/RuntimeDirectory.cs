namespace Choria.Broker.Network;

/// <summary>
/// Private 0700 directory holding the rendered config (which may contain passwords) and the ports
/// file; removed on dispose (docs/broker.md #17).
/// </summary>
internal sealed class RuntimeDirectory : IDisposable
{
    private RuntimeDirectory(string path) => Path = path;

    public string Path { get; }

    public static RuntimeDirectory Create(string? xdgRuntimeDir)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("POSIX file modes are required");
        }

        var parent = !string.IsNullOrEmpty(xdgRuntimeDir) && Directory.Exists(xdgRuntimeDir) ? xdgRuntimeDir : "/tmp";
        var name = $"choria-broker-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..12]}";
        var path = System.IO.Path.Combine(parent, name);
        Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return new RuntimeDirectory(path);
    }

    public string WriteSecretFile(string name, string content)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("POSIX file modes are required");
        }

        var file = System.IO.Path.Combine(Path, name);
        var tmp = file + ".tmp";
        var fso = new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        };
        using (var writer = new StreamWriter(tmp, new System.Text.UTF8Encoding(false), fso))
        {
            writer.Write(content);
        }

        // Rename so a SIGHUP reload never reads a half-written file.
        File.Move(tmp, file, overwrite: true);
        return file;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
