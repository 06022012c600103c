using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Choria.Machine.Runtime;

/// <summary>
/// The nagios watchers' node-exporter textfile (docs/machines.md, "Prometheus textfile"): with
/// <c>plugin.choria.prometheus_textfile_directory</c> set, <c>choria_machine_nagios_watcher_status.prom</c> in that
/// directory holds each machine's last check status, time and count, rewritten (temp file and rename, so the
/// exporter never reads half a file) after every check. One per host: every machine shares the file.
/// </summary>
public sealed partial class NagiosTextfile
{
    public const string FileName = "choria_machine_nagios_watcher_status.prom";

    private static readonly string[] s_statusNames = ["OK", "WARNING", "CRITICAL", "UNKNOWN"];

    private readonly string _directory;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly long _startTime;
    private readonly Lock _lock = new();
    private readonly SortedDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public NagiosTextfile(string directory, TimeProvider clock, ILogger logger)
    {
        _directory = directory;
        _clock = clock;
        _logger = logger;
        _startTime = clock.GetUtcNow().ToUnixTimeSeconds();
    }

    public string Path => System.IO.Path.Combine(_directory, FileName);

    /// <summary>A watcher of <paramref name="machine"/> exists but has not checked yet: UNKNOWN, no checks counted.</summary>
    public void Register(string machine, object owner) => Change(machine, e => e with { Owner = owner, Status = 3 }, owner);

    /// <summary>Records a check of <paramref name="machine"/> with Nagios status <paramref name="status"/> (0-3).</summary>
    public void Checked(string machine, object owner, int status) =>
        Change(machine, e => e with { Owner = owner, Status = status is >= 0 and <= 3 ? status : 3, LastRun = _clock.GetUtcNow().ToUnixTimeSeconds(), Checks = e.Checks + 1 }, owner);

    /// <summary>
    /// Forgets <paramref name="machine"/> when its watcher stops, unless a newer watcher (a reloaded machine of the same
    /// name) has taken the entry over.
    /// </summary>
    public void Remove(string machine, object owner)
    {
        lock (_lock)
        {
            if (!_entries.TryGetValue(machine, out var entry) || !ReferenceEquals(entry.Owner, owner))
            {
                return;
            }

            _entries.Remove(machine);
            Save();
        }
    }

    private void Change(string machine, Func<Entry, Entry> change, object owner)
    {
        lock (_lock)
        {
            var current = _entries.GetValueOrDefault(machine) ?? new Entry(owner, 3, 0, 0);
            if (!ReferenceEquals(current.Owner, owner))
            {
                // A reloaded machine starts its own count.
                current = new Entry(owner, 3, 0, 0);
            }

            _entries[machine] = change(current);
            Save();
        }
    }

    /// <summary>The file's text; callers hold the lock.</summary>
    private string Render()
    {
        var text = new StringBuilder();
        text.Append("# HELP choria_machine_nagios_start_time Time the Choria Machine subsystem started in unix seconds\n");
        text.Append("# TYPE choria_machine_nagios_start_time gauge\n");
        text.Append(CultureInfo.InvariantCulture, $"choria_machine_nagios_start_time {_startTime}\n");
        text.Append("# HELP choria_machine_nagios_watcher_status Choria Nagios Check Status\n");
        text.Append("# TYPE choria_machine_nagios_watcher_status gauge\n");
        foreach (var (name, e) in _entries)
        {
            text.Append(CultureInfo.InvariantCulture, $"choria_machine_nagios_watcher_status{{name={Quote(name)},status=\"{s_statusNames[e.Status]}\"}} {e.Status}\n");
        }

        text.Append("# HELP choria_machine_nagios_watcher_last_run_seconds Choria Nagios Check Time\n");
        text.Append("# TYPE choria_machine_nagios_watcher_last_run_seconds gauge\n");
        foreach (var (name, e) in _entries)
        {
            text.Append(CultureInfo.InvariantCulture, $"choria_machine_nagios_watcher_last_run_seconds{{name={Quote(name)}}} {e.LastRun}\n");
        }

        text.Append("# HELP choria_machine_nagios_watcher_checks_count Choria Nagios Check Count\n");
        text.Append("# TYPE choria_machine_nagios_watcher_checks_count counter\n");
        foreach (var (name, e) in _entries)
        {
            text.Append(CultureInfo.InvariantCulture, $"choria_machine_nagios_watcher_checks_count{{name={Quote(name)}}} {e.Checks}\n");
        }

        return text.ToString();
    }

    private static string Quote(string value) => "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal) + "\"";

    /// <summary>Writes the file; a missing directory is not an error (the exporter may not be installed), a failed write is logged.</summary>
    private void Save()
    {
        if (!Directory.Exists(_directory))
        {
            LogNoDirectory(_logger, _directory);
            return;
        }

        var temp = System.IO.Path.Combine(_directory, $".{FileName}.{Environment.ProcessId}.tmp");
        try
        {
            File.WriteAllText(temp, Render());
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            }

            File.Move(temp, Path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogWriteFailed(_logger, Path, e.Message);
            try
            {
                File.Delete(temp);
            }
            catch (Exception cleanup) when (cleanup is IOException or UnauthorizedAccessException)
            {
                // The write already failed and was logged; a stale temp file is harmless and replaced next time.
            }
        }
    }

    private sealed record Entry(object Owner, int Status, long LastRun, long Checks);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Not updating the Prometheus textfile: {Directory} is not a directory")]
    private static partial void LogNoDirectory(ILogger logger, string directory);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not update the Prometheus textfile {Path}: {Reason}")]
    private static partial void LogWriteFailed(ILogger logger, string path, string reason);
}
