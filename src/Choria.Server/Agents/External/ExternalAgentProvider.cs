using System.Runtime.InteropServices;
using System.Text.Json;
using Choria.Ddl;
using Choria.Server.Agents.Providers;
using Choria.Server.Runtime;
using Microsoft.Extensions.Logging;

namespace Choria.Server.Agents.External;

/// <summary>
/// Serves the external agents found in <c>&lt;libdir&gt;/mcollective/agent</c> (docs/agents.md) and keeps them in step
/// with the directories: scanned once at start, then every <see cref="ExternalAgentOptions.ReconcileInterval"/>.
/// New DDLs register, a changed version or location replaces the agent, a removed DDL unregisters it.
/// </summary>
internal sealed partial class ExternalAgentProvider(ExternalAgentOptions options, Func<JsonElement> facts, string version) : IAgentProvider
{
    /// <summary>How <c>choria buildinfo</c> titles this provider.</summary>
    public const string Title = "External Agent";

    /// <summary>Built-in names and those modern Choria reserves for its own agents.</summary>
    public static IReadOnlySet<string> DeniedNames { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "rpcutil", "choria_util", "discovery", "choria_provision", "choria_registry", "scout",
    };

    private readonly Dictionary<string, Known> _known = new(StringComparer.Ordinal);

    // Problems found at every scan (bad JSON, a denied name) are logged once per file version, not every few seconds.
    private readonly HashSet<string> _reported = new(StringComparer.Ordinal);
    private IAgentSink? _sink;
    private ExternalAgentContext? _context;
    private ILogger _logger = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    public string Name => ExternalAgent.ProviderName;

    public string Version => version;

    /// <summary>Completes when background watching ended (after the start token is cancelled).</summary>
    public Task Watching { get; private set; } = Task.CompletedTask;

    public async Task StartAsync(IAgentSink sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sink);
        _sink = sink;
        _logger = sink.Loggers.CreateLogger<ExternalAgentProvider>();
        _context = new ExternalAgentContext
        {
            Options = options,
            Mcorpc = sink.McorpcOptions,
            Process = new ExternalProcess(sink.Loggers.CreateLogger<ExternalProcess>()),
            Loggers = sink.Loggers,
            Facts = facts,
        };

        await ReconcileAsync(cancellationToken);
        Watching = Task.Run(() => WatchAsync(cancellationToken), CancellationToken.None);
    }

    private async Task WatchAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(options.ReconcileInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                try
                {
                    await ReconcileAsync(cancellationToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogReconcileFailed(e);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Server shutdown.
        }
    }

    /// <summary>One pass: compares what the directories hold with what is registered and fixes the difference.</summary>
    internal async Task ReconcileAsync(CancellationToken cancellationToken)
    {
        var (found, unsettled) = Scan();

        foreach (var name in _known.Keys.Where(n => !found.ContainsKey(n) && !unsettled.Contains(n)).ToList())
        {
            var known = _known[name];
            _known.Remove(name);
            if (known.Active && await _sink!.RemoveAsync(name, cancellationToken))
            {
                LogRemoved(name, known.DdlPath);
            }
        }

        foreach (var (name, candidate) in found)
        {
            var previous = _known.GetValueOrDefault(name);
            if (previous is not null && previous.Version == candidate.Ddl.Metadata.Version && previous.DdlPath == candidate.DdlPath && previous.Executable == candidate.Executable)
            {
                continue;
            }

            await ApplyAsync(name, candidate, previous, cancellationToken);
        }
    }

    private async Task ApplyAsync(string name, Candidate candidate, Known? previous, CancellationToken cancellationToken)
    {
        var version = candidate.Ddl.Metadata.Version;
        var active = await ExternalAgent.ShouldActivateAsync(name, candidate.Executable, _context!, cancellationToken);
        _known[name] = new Known(version, candidate.DdlPath, candidate.Executable, active);
        if (!active)
        {
            LogNotActivating(name, candidate.DdlPath);
            if (previous is { Active: true } && await _sink!.RemoveAsync(name, cancellationToken))
            {
                LogRemoved(name, previous.DdlPath);
            }

            return;
        }

        var agent = ExternalAgent.Create(candidate.Ddl, candidate.Executable, _context!);
        var result = await _sink!.AddAsync(agent, cancellationToken);
        if (result.Status != AgentRegistrationStatus.Registered)
        {
            // Denied by the server's deny list or refused: not ours to serve, and not retried until the DDL changes.
            _known[name] = _known[name] with { Active = false };
            if (result.Error is { } error)
            {
                LogRegistrationFailed(name, error);
            }

            return;
        }

        if (previous is { Active: true })
        {
            LogReplaced(name, previous.Version, version, candidate.DdlPath);
        }
        else
        {
            LogRegistered(name, version, candidate.DdlPath);
        }
    }

    /// <summary>
    /// Every external agent DDL, by agent name (the first directory wins), and the names of DDL files too recently
    /// modified to be read: those keep whatever is registered until they settle.
    /// </summary>
    private (Dictionary<string, Candidate> Found, HashSet<string> Unsettled) Scan()
    {
        var found = new Dictionary<string, Candidate>(StringComparer.Ordinal);
        var unsettled = new HashSet<string>(StringComparer.Ordinal);
        var now = TimeProvider.System.GetUtcNow().UtcDateTime;
        foreach (var dir in options.AgentDirectories)
        {
            foreach (var (stem, ddlPath, agentDir) in DdlFiles(dir))
            {
                DateTime modified;
                try
                {
                    modified = File.GetLastWriteTimeUtc(ddlPath);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    continue;
                }

                if (now - modified < options.SettleTime)
                {
                    unsettled.Add(stem);
                    continue;
                }

                if (Load(ddlPath, modified) is not { } ddl)
                {
                    continue;
                }

                var name = ddl.Metadata.Name;
                if (DeniedNames.Contains(name))
                {
                    ReportOnce($"denied {ddlPath} {modified.Ticks}", () => LogDenied(name, ddlPath));
                    continue;
                }

                found.TryAdd(name, new Candidate(ddl, ddlPath, Executable(agentDir, name)));
            }
        }

        return (found, unsettled);
    }

    /// <summary>Flat <c>&lt;dir&gt;/&lt;name&gt;.json</c> and per-agent <c>&lt;dir&gt;/&lt;name&gt;/&lt;name&gt;.json</c> (not under <c>tmp</c>).</summary>
    private static IEnumerable<(string Stem, string DdlPath, string AgentDir)> DdlFiles(string dir)
    {
        string[] files;
        string[] subdirs;
        try
        {
            files = Directory.GetFiles(dir, "*.json");
            subdirs = Directory.GetDirectories(dir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            yield break;
        }

        foreach (var file in files.Order(StringComparer.Ordinal))
        {
            yield return (Path.GetFileNameWithoutExtension(file), file, dir);
        }

        foreach (var sub in subdirs.Order(StringComparer.Ordinal))
        {
            var stem = Path.GetFileName(sub);
            var ddl = Path.Combine(sub, stem + ".json");
            if (stem != "tmp" && File.Exists(ddl))
            {
                yield return (stem, ddl, sub);
            }
        }
    }

    private AgentDdl? Load(string path, DateTime modified)
    {
        var loaded = DdlLoader.LoadFile(path);
        if (loaded.Ddl is not { } ddl)
        {
            ReportOnce($"invalid {path} {modified.Ticks}", () => LogInvalidDdl(path, loaded.Error ?? "unknown error"));
            return null;
        }

        // Ruby agents (no provider or "ruby") share the directory; they belong to another provider.
        return ddl.Metadata.Provider == ExternalAgent.ProviderName ? ddl : null;
    }

    /// <summary><c>&lt;name&gt;</c> next to the DDL, or in the per-agent layout also <c>&lt;name&gt;-&lt;os&gt;_&lt;arch&gt;</c>.</summary>
    private static string Executable(string agentDir, string name)
    {
        var plain = Path.Combine(agentDir, name);
        var platform = Path.Combine(agentDir, $"{name}-{GoOs()}_{GoArch()}");
        return !File.Exists(plain) && File.Exists(platform) ? platform : plain;
    }

    private static string GoOs() =>
        OperatingSystem.IsLinux() ? "linux" : OperatingSystem.IsMacOS() ? "darwin" : OperatingSystem.IsWindows() ? "windows" : "unknown";

    private static string GoArch() => RuntimeInformation.OSArchitecture switch
    {
        Architecture.X64 => "amd64",
        Architecture.Arm64 => "arm64",
        Architecture.X86 => "386",
        Architecture.Arm => "arm",
        var other => other.ToString().ToLowerInvariant(),
    };

    private void ReportOnce(string key, Action log)
    {
        if (_reported.Add(key))
        {
            log();
        }
    }

    private sealed record Candidate(AgentDdl Ddl, string DdlPath, string Executable);

    private sealed record Known(string Version, string DdlPath, string Executable, bool Active);

    [LoggerMessage(Level = LogLevel.Information, Message = "Registered external agent {Agent} version {Version} from {Ddl}")]
    private partial void LogRegistered(string agent, string version, string ddl);

    [LoggerMessage(Level = LogLevel.Information, Message = "Replaced external agent {Agent} version {OldVersion} with version {Version} from {Ddl}")]
    private partial void LogReplaced(string agent, string oldVersion, string version, string ddl);

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed external agent {Agent}: {Ddl} is gone")]
    private partial void LogRemoved(string agent, string ddl);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Agent {Agent} not activating due to ShouldActivate checks ({Ddl})")]
    private partial void LogNotActivating(string agent, string ddl);

    [LoggerMessage(Level = LogLevel.Warning, Message = "External agent {Agent} could not be registered: {Error}")]
    private partial void LogRegistrationFailed(string agent, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "External agent {Agent} in {Ddl} has a reserved name, not loading it")]
    private partial void LogDenied(string agent, string ddl);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Skipping external agent DDL: {Error} ({Ddl})")]
    private partial void LogInvalidDdl(string ddl, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Reconciling the external agents failed")]
    private partial void LogReconcileFailed(Exception exception);
}
