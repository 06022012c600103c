using System.Collections.Concurrent;
using Choria.Config;
using Choria.Config.Build;
using Choria.Framework;
using Choria.Framework.Hosting;
using Choria.Server.Lifecycle;
using Choria.Server.Provisioning;
using Choria.Server.Runtime;
using Microsoft.Extensions.Logging;

namespace Choria.Emulator;

/// <summary>How the unconfigured nodes are "built": the provisioning build settings or JWT they carry.</summary>
internal sealed record ProvisioningFleetOptions
{
    /// <summary>Per-instance directories (<c>DIR/IDENTITY/server.conf</c>, <c>ssl/</c>) are made here.</summary>
    public required string Directory { get; init; }

    /// <summary>A provisioning JWT (<c>choria tool jwt</c>): its claims replace the build values, as on a real node.</summary>
    public string JwtFile { get; init; } = "";

    /// <summary><c>ProvisionBrokerURLs</c> when no JWT is given.</summary>
    public string BrokerUrls { get; init; } = "";

    /// <summary><c>ProvisionToken</c> when no JWT is given.</summary>
    public string Token { get; init; } = "";

    /// <summary>After <c>restart</c>, start the instance again from the configuration the provisioner wrote.</summary>
    public bool BringBack { get; init; }
}

/// <summary>
/// N unconfigured nodes in provisioning mode in one process (docs/performance.md): each a real
/// <see cref="ServerInstance"/> in the <c>provisioning</c> collective with the real <c>choria_provision</c> agent, its
/// startup lifecycle event and its own directory for what <c>configure</c> writes. The server's restart hook, which
/// re-executes <c>choria server run</c> in a real node, here stops the instance and counts it as provisioned; with
/// <see cref="ProvisioningFleetOptions.BringBack"/> the instance then starts again from its new configuration and
/// certificate, like the re-executed server would. Left out, as in the scale fleet: the status file, server metrics
/// and the agent providers (Ruby, external), which provisioning does not use.
/// </summary>
internal sealed partial class ProvisioningFleet : IAsyncDisposable
{
    private readonly ProvisioningFleetOptions _options;
    private readonly FleetOptions _fleetOptions;
    private readonly BuildSettings _build;
    private readonly ChoriaConfig _config;
    private readonly ChoriaFramework _framework;
    private readonly ILogger _logger;
    private readonly TimeProvider _clock = TimeProvider.System;
    private readonly ConcurrentBag<Task> _restarts = [];
    private readonly ConcurrentBag<Task> _returned = [];
    private readonly TaskCompletionSource<long> _allRestarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<long> _allBack = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Fleet _fleet;
    private CancellationToken _stopping;
    private int _restarted;
    private int _back;
    private int _failed;
    private int _unclean;

    private ProvisioningFleet(ProvisioningFleetOptions options, FleetOptions fleetOptions, BuildSettings build, ChoriaConfig config, ChoriaFramework framework)
    {
        _options = options;
        _fleetOptions = fleetOptions;
        _build = build;
        _config = config;
        _framework = framework;
        _logger = framework.Loggers.CreateLogger("Choria.Emulator.Provisioning");
        _fleet = new Fleet(framework, config, fleetOptions with { Plain = true }, Compose);
    }

    /// <summary>Epoch milliseconds at which the last instance ran its restart hook.</summary>
    public Task<long> AllRestarted => _allRestarted.Task;

    /// <summary>Epoch milliseconds at which the last instance answered again in its new collective.</summary>
    public Task<long> AllBack => _allBack.Task;

    public int Failed => Volatile.Read(ref _failed);

    /// <summary>Restarts whose stop overran soft_shutdown_timeout (a real node exits 1 and is started again by its service manager).</summary>
    public int UncleanStops => Volatile.Read(ref _unclean);

    /// <summary>
    /// The start of <c>choria server run</c> on a node built for provisioning with no configuration file: the build
    /// (or JWT) settings, the provisioning configuration and brokers, one framework shared by every instance.
    /// </summary>
    public static async Task<ProvisioningFleet> CreateAsync(ProvisioningFleetOptions options, FleetOptions fleetOptions, LogLevel logLevel, CancellationToken cancellationToken)
    {
        var build = BuildSettings.Current.Copy();
        build.ProvisionAgent = "true";
        if (options.JwtFile.Length > 0)
        {
            build.ProvisionJwtFile = Path.GetFullPath(options.JwtFile);
            if (!File.Exists(build.ProvisionJwtFile))
            {
                throw new ArgumentException($"the provisioning JWT {build.ProvisionJwtFile} does not exist");
            }

            if (ProvisioningJwt.Apply(build) is { } error)
            {
                throw new ArgumentException($"Could not use the provisioning JWT {build.ProvisionJwtFile}: {error}");
            }
        }
        else
        {
            build.ProvisionBrokerUrls = options.BrokerUrls;
            build.ProvisionToken = options.Token;
            build.ProvisionDefault = true;
            build.ProvisionSecure = false;
        }

        if (build.ProvisionSecure)
        {
            // Secure provisioning needs a certificate per node before provisioning; the instances share one framework.
            throw new ArgumentException("the emulator provisions insecurely only: make the JWT with --insecure (chs=false)");
        }

        Directory.CreateDirectory(options.Directory);
        var unconfigured = ConfigLoader.Defaults(new ConfigLoadOptions { Role = ConfigRole.Server, Build = build }, Path.Combine(options.Directory, "server.conf"));
        if (!ProvisioningConfig.IsEnabled(unconfigured))
        {
            throw new ArgumentException("these build settings do not put a node into provisioning mode (no brokers, or chpd/--default not set)");
        }

        var (config, provisioning) = await ProvisioningStartup.ConfigureAsync(unconfigured, debug: false, cancellationToken);
        if (!provisioning)
        {
            throw new ArgumentException("the build settings name no provisioning broker");
        }

        var framework = await ChoriaFramework.CreateAsync(config, debug: false, verifySecurityFiles: false, logLevel, cancellationToken);
        return new ProvisioningFleet(options, fleetOptions, build, config, framework);
    }

    public Task<TimeSpan> StartAsync(CancellationToken cancellationToken)
    {
        _stopping = cancellationToken;
        return _fleet.StartAsync(cancellationToken);
    }

    /// <summary>Waits for every instance, provisioning or brought back, to shut down after the start token was cancelled.</summary>
    public async Task StopAsync()
    {
        await _fleet.StopAsync();
        await Task.WhenAll(_restarts);
        await Task.WhenAll(_returned);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _framework.Dispose();
    }

    private string NodeDirectory(string identity) => Path.Combine(_options.Directory, identity);

    /// <summary>What <c>choria server run</c> adds in provisioning mode, per instance.</summary>
    private ServerParts Compose(FleetMember member, ServerInstance instance)
    {
        var identity = member.Identity;
        var dir = NodeDirectory(identity);
        Directory.CreateDirectory(dir);
        var agent = ProvisionAgentOptions.FromConfig(_config, provisioningMode: true, identity) with { ConfigFile = Path.Combine(dir, "server.conf") };
        return Lifecycle(instance, LifecycleOptions.FromConfig(_config, provisioningMode: true) with { Identity = identity })
            .Then(ProvisioningComponents.For(instance, _config, _framework, provisioningMode: true, () => _restarts.Add(RestartAsync(member)), agent));
    }

    private ServerParts Lifecycle(ServerInstance instance, LifecycleOptions lifecycle) => new()
    {
        ConnectedComponents = [connection => new LifecycleComponent(
            new LifecyclePublisher(lifecycle, connection, instance.Counters, _framework.Loggers.CreateLogger<LifecyclePublisher>()))],
    };

    /// <summary>The restart hook: the instance stops cleanly (as before execve) and counts as provisioned.</summary>
    private async Task RestartAsync(FleetMember member)
    {
        try
        {
            if (!await member.StopAsync())
            {
                Interlocked.Increment(ref _unclean);
                LogUncleanStop(member.Identity);
            }

            Completed(ref _restarted, _allRestarted);
            if (_options.BringBack)
            {
                await BringBackAsync(member);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Interlocked.Increment(ref _failed);
            LogBringBackFailed(member.Identity, e.Message);
        }
    }

    /// <summary>
    /// What the re-executed server does: the same build settings, the configuration file the provisioner wrote (no
    /// longer provisioning), a security provider of its own with the certificate it was given, the normal collective.
    /// </summary>
    private async Task BringBackAsync(FleetMember member)
    {
        var file = Path.Combine(NodeDirectory(member.Identity), "server.conf");
        var config = ConfigLoader.Load(file, new ConfigLoadOptions { Role = ConfigRole.Server, Build = _build.Copy() }).Config;
        if (ProvisioningConfig.IsEnabled(config))
        {
            throw new InvalidOperationException($"{file} still enables provisioning");
        }

        // Not disposed: it would dispose the logger factory every instance shares.
        var framework = await ChoriaFramework.CreateAsync(config, _framework.Loggers, verifySecurityFiles: false);
        var server = _fleet.Tune(ServerOptions.FromConfig(config)) with
        {
            DisableTls = config.DisableTls,
            Facts = _fleet.Facts(member.Index, config.Identity),
        };
        var ready = new Fleet.ReadySignal();
        var instance = new ServerInstance(framework, server, node =>
            new ServerParts { Components = [ready] }
                .Then(Lifecycle(node, LifecycleOptions.FromConfig(config, provisioningMode: false) with { Identity = server.Identity }))
                .Then(ProvisioningComponents.For(node, config, framework, provisioningMode: false, () => LogRestartIgnored(server.Identity))));
        var run = instance.RunAsync(_stopping);
        _returned.Add(run);
        await Task.WhenAny(ready.Ready, run).Unwrap();
        Completed(ref _back, _allBack);
    }

    private void Completed(ref int counter, TaskCompletionSource<long> all)
    {
        if (Interlocked.Increment(ref counter) == _fleetOptions.Instances)
        {
            all.TrySetResult(_clock.GetUtcNow().ToUnixTimeMilliseconds());
        }
    }

    private sealed class LifecycleComponent(LifecyclePublisher publisher) : IChoriaComponent
    {
        public string Name => "lifecycle";

        public Task StartAsync(CancellationToken cancellationToken) => publisher.StartAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => publisher.StopAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Emulated node {Identity} could not restart into its new configuration: {Error}")]
    private partial void LogBringBackFailed(string identity, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Emulated node {Identity} did not stop within soft_shutdown_timeout; starting it again as its service manager would")]
    private partial void LogUncleanStop(string identity);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Emulated node {Identity} was asked to restart again; the emulator leaves it running")]
    private partial void LogRestartIgnored(string identity);
}
