namespace Choria.Server.Data;

/// <summary>Classes file reader (docs/server.md): one class per line, verbatim; reloaded when the file changes.</summary>
public sealed class ClassesSource(ClassesOptions options)
{
    private readonly Lock _lock = new();
    private (long Size, DateTime Mtime) _stamp = (-2, DateTime.MinValue);
    private IReadOnlyList<string> _classes = [];

    /// <summary>The classes, or an empty list when the file cannot be read.</summary>
    public IReadOnlyList<string> Classes()
    {
        var fi = new FileInfo(options.ClassesFile);
        var stamp = fi.Exists ? (fi.Length, fi.LastWriteTimeUtc) : (-1, DateTime.MinValue);
        lock (_lock)
        {
            if (stamp != _stamp)
            {
                _classes = Load();
                _stamp = stamp;
            }

            return _classes;
        }
    }

    private List<string> Load()
    {
        try
        {
            // Same line splitting as Go's bufio.ScanLines: \n separated, a trailing \r dropped, no final empty line.
            var text = File.ReadAllText(options.ClassesFile);
            var lines = text.Split('\n').Select(l => l.EndsWith('\r') ? l[..^1] : l).ToList();
            if (lines.Count > 0 && lines[^1].Length == 0)
            {
                lines.RemoveAt(lines.Count - 1);
            }

            return lines;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
