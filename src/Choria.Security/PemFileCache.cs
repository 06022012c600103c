using System.Collections.Concurrent;

namespace Choria.Security;

/// <summary>
/// Remembers which parsed certificate a PEM file (the CA bundle, a cached client certificate)
/// held, keyed by path and validated by the file's size and modification time. Re-reading and
/// re-hashing both files on every request cost more than the RSA verification itself; one stat
/// per file keeps rotation and cache overwrites visible.
/// </summary>
internal sealed class PemFileCache
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly int _capacity;

    public PemFileCache(int capacity) => _capacity = Math.Max(1, capacity);

    /// <summary>The file's current stamp, or null when it cannot be stat'ed (callers then read it the slow way).</summary>
    public static FileStamp? Stamp(string path)
    {
        try
        {
            var info = new FileInfo(path);
            return info.Exists ? new FileStamp(info.Length, info.LastWriteTimeUtc.Ticks) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return null;
        }
    }

    public bool TryGet(string path, FileStamp? stamp, out ParsedCertificate? parsed)
    {
        parsed = null;
        if (stamp is null || !_entries.TryGetValue(path, out var entry) || entry.Stamp != stamp.Value)
        {
            return false;
        }

        parsed = entry.Parsed;
        return true;
    }

    /// <summary>Records what was read; <paramref name="stamp"/> must be taken before reading so a concurrent write invalidates it.</summary>
    public void Remember(string path, FileStamp? stamp, ParsedCertificate parsed)
    {
        if (stamp is null)
        {
            return;
        }

        // Distinct paths grow with distinct callers; dropping everything now and then is cheap and rare.
        if (_entries.Count >= _capacity)
        {
            _entries.Clear();
        }

        _entries[path] = new Entry(stamp.Value, parsed);
    }

    private sealed record Entry(FileStamp Stamp, ParsedCertificate Parsed);
}

/// <summary>Size and modification time (100 ns ticks) of a file.</summary>
internal readonly record struct FileStamp(long Length, long WriteTicks);
