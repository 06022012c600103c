using Choria.Machine.Manifest;
using Microsoft.Extensions.Logging;

namespace Choria.Machine.Runtime;

/// <summary>
/// Runs the machines of a store (docs/machines.md): scans at start and every <see cref="MachineHostOptions.ScanInterval"/>;
/// starts new machines, replaces those whose <c>machine.yaml</c> changed (SHA-256), stops those whose directory is
/// gone. A machine that fails to load is logged once per version of its manifest and tried again when it changes.
/// </summary>
public sealed partial class MachineHost : IAsyncDisposable
{
    private readonly MachineHostOptions _options;
    private readonly MachineContext _context;
    private readonly ILogger _logger;
    private readonly Dictionary<string, (MachineInstance Machine, string Hash)> _running = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _failed = new(StringComparer.Ordinal);
    private readonly Dictionary<string, MachineInstance> _compiled = new(StringComparer.Ordinal);
    private readonly HashSet<string> _shadowed = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _scanLock = new(1, 1);
    private volatile MachineInstance[] _snapshot = [];
    private CancellationTokenSource? _stopping;
    private Task _loop = Task.CompletedTask;

    public MachineHost(MachineHostOptions options, MachineContext context)
    {
        _options = options;
        _context = context;
        _logger = context.Loggers.CreateLogger<MachineHost>();
    }

    /// <summary>Running machines sorted by name (as modern go-choria lists them).</summary>
    public IReadOnlyList<MachineInstance> Machines => _snapshot;

    /// <summary>Scans once, then keeps scanning in the background until <see cref="StopAsync"/>.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_stopping is not null)
        {
            return;
        }

        _stopping = new CancellationTokenSource();
        LogStarting(_options.Store, _options.ScanInterval.TotalSeconds);
        await StartCompiledAsync(cancellationToken);
        await ScanAsync(cancellationToken);
        var token = _stopping.Token;
        _loop = Task.Run(() => LoopAsync(token), CancellationToken.None);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_stopping is not { } stopping)
        {
            return;
        }

        await stopping.CancelAsync();
        await _loop;
        await _scanLock.WaitAsync(cancellationToken);
        try
        {
            // All at once: one by one, a thousand machines outlast the server's 2 s soft shutdown on a busy node.
            var machines = _running.Values.Select(r => r.Machine).Concat(_compiled.Values).ToList();
            _running.Clear();
            _compiled.Clear();
            await Task.WhenAll(machines.Select(m => m.DisposeAsync().AsTask()));
            _context.Metrics.Forget(machines.Select(m => m.Name).ToHashSet(StringComparer.Ordinal));
            Publish();
        }
        finally
        {
            _scanLock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None);
        _stopping?.Dispose();
        _scanLock.Dispose();
    }

    private async Task LoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_options.ScanInterval, _context.Clock);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                try
                {
                    await ScanAsync(cancellationToken);
                }
                catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
                {
                    LogScanFailed(e, _options.Store);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Host stopping.
        }
    }

    /// <summary>One pass over the store: start, replace and stop machines to match what is on disk.</summary>
    public async Task ScanAsync(CancellationToken cancellationToken)
    {
        await _scanLock.WaitAsync(cancellationToken);
        try
        {
            var found = FindMachineDirectories();
            foreach (var gone in _running.Keys.Where(d => !found.ContainsKey(d)).ToList())
            {
                LogRemoved(_running[gone].Machine.Name, gone);
                await StopMachineAsync(gone);
            }

            foreach (var dir in _failed.Keys.Where(d => !found.ContainsKey(d)).ToList())
            {
                _failed.Remove(dir);
            }

            foreach (var (dir, content) in found)
            {
                var hash = ManifestLoader.Hash(content);
                if (_running.TryGetValue(dir, out var current))
                {
                    if (current.Hash == hash)
                    {
                        continue;
                    }

                    LogChanged(current.Machine.Name, dir);
                    await StopMachineAsync(dir);
                    await Task.Delay(_options.ReplaceDelay, _context.Clock, cancellationToken);
                }
                else if (_failed.TryGetValue(dir, out var failedHash) && failedHash == hash)
                {
                    continue;
                }

                await LoadAsync(dir, hash, cancellationToken);
            }

            Publish();
        }
        finally
        {
            _scanLock.Release();
        }
    }

    /// <summary>Starts the compiled-in machines in directories of their own; one that cannot start is logged and skipped.</summary>
    private async Task StartCompiledAsync(CancellationToken cancellationToken)
    {
        foreach (var compiled in _options.Compiled)
        {
            var dir = Path.Combine(_options.Store, compiled.Name);
            try
            {
                if (!Directory.Exists(dir))
                {
                    if (OperatingSystem.IsWindows())
                    {
                        Directory.CreateDirectory(dir);
                    }
                    else
                    {
                        Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                    }
                }

                var machine = new MachineInstance(compiled.Manifest, dir, _context);
                await machine.StartAsync(cancellationToken);
                _compiled[dir] = machine;
                LogLoadedCompiled(compiled.Name, compiled.Manifest.Version, dir);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ManifestException)
            {
                _context.Metrics.LoadError();
                LogLoadFailed(dir, e.Message);
            }
        }

        Publish();
    }

    private async Task LoadAsync(string dir, string hash, CancellationToken cancellationToken)
    {
        try
        {
            var manifest = ManifestLoader.LoadDirectory(dir);
            var machine = new MachineInstance(manifest, dir, _context);
            await machine.StartAsync(cancellationToken);
            _running[dir] = (machine, hash);
            _failed.Remove(dir);
            LogLoaded(manifest.Name, manifest.Version, dir);
        }
        catch (ManifestException e)
        {
            _failed[dir] = hash;
            _context.Metrics.LoadError();
            LogLoadFailed(dir, e.Message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _failed[dir] = hash;
            _context.Metrics.LoadError();
            LogLoadFailed(dir, e.Message);
        }
    }

    private async Task StopMachineAsync(string dir)
    {
        if (!_running.Remove(dir, out var entry))
        {
            return;
        }

        await entry.Machine.DisposeAsync();
        _context.Metrics.Forget(entry.Machine.Name);
    }

    private void Publish()
    {
        _snapshot = [.. _running.Values.Select(v => v.Machine).Concat(_compiled.Values).OrderBy(m => m.Name, StringComparer.Ordinal).ThenBy(m => m.Directory, StringComparer.Ordinal)];
        _context.Metrics.Running(_snapshot.Length);
    }

    /// <summary>Sub-directories with a readable <c>machine.yaml</c>, skipping dot, <c>tmp</c> and <c>-temp</c> names (work in progress).</summary>
    private Dictionary<string, byte[]> FindMachineDirectories()
    {
        var result = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        if (!Directory.Exists(_options.Store))
        {
            return result;
        }

        foreach (var dir in Directory.EnumerateDirectories(_options.Store))
        {
            var name = Path.GetFileName(dir);
            if (name.StartsWith('.') || name == "tmp" || name.EndsWith("-temp", StringComparison.Ordinal))
            {
                continue;
            }

            var manifest = Path.Combine(dir, ManifestLoader.FileName);
            try
            {
                var info = new FileInfo(manifest);
                if (!info.Exists)
                {
                    continue;
                }

                if (_compiled.ContainsKey(dir))
                {
                    if (_shadowed.Add(dir))
                    {
                        LogShadowed(manifest, Path.GetFileName(dir));
                    }

                    continue;
                }

                // Oversized manifests are hashed by size only; the loader refuses them with a clear error.
                result[dir] = info.Length > ManifestLoader.MaxManifestBytes ? BitConverter.GetBytes(info.Length) : File.ReadAllBytes(manifest);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                LogUnreadable(manifest, e.Message);
            }
        }

        return result;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Autonomous agent host watching {Store} every {Seconds}s")]
    private partial void LogStarting(string store, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded machine {Machine} version {Version} from {Directory}")]
    private partial void LogLoaded(string machine, string version, string directory);

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded compiled-in machine {Machine} version {Version}, working in {Directory}")]
    private partial void LogLoadedCompiled(string machine, string version, string directory);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ignoring {Manifest}: the compiled-in machine {Machine} owns that directory")]
    private partial void LogShadowed(string manifest, string machine);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not load machine from {Directory}: {Reason}")]
    private partial void LogLoadFailed(string directory, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Machine {Machine} in {Directory} changed, reloading it")]
    private partial void LogChanged(string machine, string directory);

    [LoggerMessage(Level = LogLevel.Information, Message = "Machine {Machine} in {Directory} was removed, stopping it")]
    private partial void LogRemoved(string machine, string directory);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read {Manifest}: {Reason}")]
    private partial void LogUnreadable(string manifest, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Scanning the machine store {Store} failed")]
    private partial void LogScanFailed(Exception exception, string store);
}
