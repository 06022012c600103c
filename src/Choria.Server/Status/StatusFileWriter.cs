using System.Text.Json;
using Choria.Config;
using Choria.Framework.Hosting;
using Choria.Server.Runtime;
using Microsoft.Extensions.Logging;

namespace Choria.Server.Status;

/// <summary>Status file settings; <see cref="Enabled"/> needs a path and a non-zero interval.</summary>
internal sealed record StatusFileOptions
{
    public string Path { get; init; } = "";

    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(30);

    public bool Enabled => Path.Length > 0 && Interval > TimeSpan.Zero;

    public static StatusFileOptions FromConfig(ChoriaConfig config) => new()
    {
        Path = config.StatusFilePath,
        Interval = TimeSpan.FromSeconds(config.StatusUpdateInterval),
    };
}

/// <summary>
/// Writes the status file at start and then every interval (docs/server.md). Each write replaces the file
/// atomically (temp file + rename) so <c>choria tool status</c> never reads a half-written document.
/// </summary>
internal sealed partial class StatusFileWriter : IAsyncDisposable
{
    private const UnixFileMode Mode0644 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    private readonly StatusFileOptions _options;
    private readonly Func<StatusSnapshot> _snapshot;
    private readonly ILogger _logger;
    private readonly TimeProvider _clock;
    private readonly ServerCounters? _counters;
    private readonly BackgroundLoop _loop = new();

    /// <param name="counters">Failed writes are counted here (<see cref="WriteTarget.StatusFile"/>).</param>
    public StatusFileWriter(StatusFileOptions options, Func<StatusSnapshot> snapshot, ILogger logger, TimeProvider? clock = null, ServerCounters? counters = null)
    {
        _counters = counters;
        _options = options;
        _snapshot = snapshot;
        _logger = logger;
        _clock = clock ?? TimeProvider.System;
    }

    /// <summary>Writes once immediately, then schedules the periodic writes; no-op when disabled.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!_options.Enabled || _loop.Running)
        {
            return Task.CompletedTask;
        }

        WriteOnce();
        _loop.Start(RunAsync);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => _loop.StopAsync(cancellationToken);

    public ValueTask DisposeAsync() => _loop.DisposeAsync();

    /// <summary>Writes the current snapshot; errors are logged only, as the server must keep running.</summary>
    public bool WriteOnce()
    {
        var path = _options.Path;
        var temp = $"{path}.{Environment.ProcessId}.tmp";
        try
        {
            var json = JsonSerializer.SerializeToUtf8Bytes(StatusDocument.From(_snapshot()), StatusJsonContext.Default.StatusDocument);
            File.WriteAllBytes(temp, json);
            if (!OperatingSystem.IsWindows())
            {
                // Set explicitly: the creation mode is filtered by the umask, but readers rely on 0644.
                File.SetUnixFileMode(temp, Mode0644);
            }

            File.Move(temp, path, overwrite: true);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _counters?.WriteFailed(WriteTarget.StatusFile);
            LogWriteFailed(_logger, path, e.Message);
            TryDelete(temp);
            return false;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: a stale temp file is harmless and overwritten next time.
        }
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_options.Interval, _clock);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                WriteOnce();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not write status file {Path}: {Reason}")]
    private static partial void LogWriteFailed(ILogger logger, string path, string reason);
}
