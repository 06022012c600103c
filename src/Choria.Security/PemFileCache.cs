using System.Collections.Concurrent;

namespace Choria.Security;

/// <summary>
/// Remembers which parsed certificate a PEM file (the CA bundle, a cached client certificate)
/// held, keyed by path and validated by the file's size and modification time. Re-reading and
/// re-hashing both files on every request cost more than the RSA verification itself, and even
/// one stat per file per request showed up at fleet scale, so a file's stamp is trusted for
/// <see cref="SecurityPolicyOptions.FileRecheckInterval"/>: a rotated CA or an overwritten cache
/// file is seen within that interval.
/// </summary>
internal sealed class PemFileCache
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Checked> _stamps = new(StringComparer.Ordinal);
    private readonly int _capacity;
    private readonly TimeProvider _time;
    private readonly long _recheckTicks;

    public PemFileCache(int capacity, TimeSpan recheckInterval, TimeProvider time)
    {
        _capacity = Math.Max(1, capacity);
        _time = time;
        _recheckTicks = (long)(Math.Max(0, recheckInterval.TotalSeconds) * time.TimestampFrequency);
    }

    /// <summary>
    /// The file's stamp as of at most the recheck interval ago, or null when it does not exist or
    /// cannot be stat'ed (callers then read it the slow way).
    /// </summary>
    public FileStamp? CurrentStamp(string path)
    {
        var now = _time.GetTimestamp();
        if (_recheckTicks > 0 && _stamps.TryGetValue(path, out var seen) && now - seen.At < _recheckTicks)
        {
            return seen.Stamp;
        }

        var stamp = Stat(path);
        if (_recheckTicks > 0)
        {
            if (_stamps.Count >= _capacity)
            {
                _stamps.Clear();
            }

            _stamps[path] = new Checked(stamp, now);
        }

        return stamp;
    }

    /// <summary>Forgets the remembered stamp of a file this process just wrote, so the next look stats it.</summary>
    public void Invalidate(string path) => _stamps.TryRemove(path, out _);

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

    private static FileStamp? Stat(string path)
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

    private sealed record Entry(FileStamp Stamp, ParsedCertificate Parsed);

    private readonly record struct Checked(FileStamp? Stamp, long At);
}

/// <summary>Size and modification time (100 ns ticks) of a file.</summary>
internal readonly record struct FileStamp(long Length, long WriteTicks);
