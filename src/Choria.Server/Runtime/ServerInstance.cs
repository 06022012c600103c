using Choria.Connector;
using Choria.Framework.Hosting;
using Choria.Framework;
using Choria.Protocol.Filters;
using Choria.Protocol.Subjects;
using Choria.Server.Agents.Builtin;
using Choria.Server.Agents;
using Choria.Server.Audit;
using Choria.Server.Authorization;
using Choria.Server.Data.Plugins;
using Choria.Server.Data;
using Microsoft.Extensions.Logging;

namespace Choria.Server.Runtime;

/// <summary>
/// The node daemon (docs/server.md): connects, registers the built-in agents, subscribes per collective,
/// starts the <see cref="ServerParts"/> it was built with, processes requests until cancelled, then shuts down within
/// <see cref="ServerOptions.SoftShutdownTimeout"/>.
/// </summary>
public sealed partial class ServerInstance
{
    // Go's FacterCmd: the AIO path when present, else facter from PATH; looked up once as it never changes.
    private static readonly Lazy<string> s_facterCommand = new(() =>
    {
        const string aio = "/opt/puppetlabs/bin/facter";
        if (File.Exists(aio))
        {
            return aio;
        }

        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        return path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, OperatingSystem.IsWindows() ? "facter.bat" : "facter"))
            .FirstOrDefault(File.Exists) ?? "";
    });

    private readonly ChoriaFramework _framework;
    private readonly ServerOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly DataPluginRegistry _dataPlugins = DataPluginRegistry.CreateDefault();
    private ChoriaConnection? _connection;
    private IReadOnlyList<BrokerHost> _brokers = [];
    private ConnectorOptions _connectorOptions = new();

    /// <param name="compose">
    /// Builds what this server runs besides its built-in agents (e.g. <see cref="ServerComponents.Defaults"/>); it is
    /// called once, at the end of construction, so it can wire parts to <see cref="Counters"/>, <see cref="Info"/> and
    /// <see cref="Connection"/>.
    /// </param>
    public ServerInstance(ChoriaFramework framework, ServerOptions options, Func<ServerInstance, ServerParts>? compose = null, TimeProvider? clock = null)
    {
        _framework = framework;
        _options = options;
        _clock = clock ?? TimeProvider.System;
        _logger = framework.Loggers.CreateLogger<ServerInstance>();
        var loggers = framework.Loggers;
        Agents = new AgentRegistry(new AgentRegistryOptions(), loggers.CreateLogger<AgentRegistry>());
        Facts = new FactsSource(new FactsOptions { FactsFiles = options.FactsFiles, Facts = options.Facts }, loggers.CreateLogger<FactsSource>());
        Classes = new ClassesSource(new ClassesOptions { ClassesFile = options.ClassesFile });
        Info = new ServerInfoSource(options, framework.Config, Agents, Facts, Classes, Counters,
            () => ConnectedServer, ConnectorInfo, _clock.GetUtcNow());
        Parts = compose?.Invoke(this) ?? ServerParts.None;
    }

    public ServerCounters Counters { get; } = new();

    /// <summary>The clock every part of this server reads.</summary>
    public TimeProvider Clock => _clock;

    public AgentRegistry Agents { get; }

    public FactsSource Facts { get; }

    public ClassesSource Classes { get; }

    public ServerInfoSource Info { get; }

    public ServerParts Parts { get; }

    /// <summary>The broker connection once connected (components publish through it).</summary>
    public ChoriaConnection? Connection => _connection;

    public string ConnectedServer => _connection?.ConnectedServerUrl ?? ChoriaConnection.UnknownServer;

    /// <summary>Runs until <paramref name="cancellationToken"/> is cancelled; throws when startup fails or shutdown overruns.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        _brokers = await _framework.ResolveBrokersAsync(allowFederation: false, cancellationToken);
        LogBrokers(string.Join(", ", _brokers.Select(b => b.ToString())));
        _connectorOptions = ConnectorOptionsFor(_framework.ConnectorOptions(_brokers, _framework.Certname));
        _connection = await ChoriaConnection.ConnectAsync(_connectorOptions, _framework.Loggers.CreateLogger("Choria.Connector"), cancellationToken);
        using var providersCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            var sink = RegisterBuiltinAgents();
            await StartProvidersAsync(sink, providersCts.Token);
            var processor = CreateProcessor(_connection);
            using var workCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var agentSubscriptions = await sink.SubscribeAsync(_connection, (s, token) => PumpAsync(s, processor, token), workCts.Token, cancellationToken);
            var subscriptions = await SubscribeNodeAsync(_connection, cancellationToken);
            var pumps = subscriptions.Select(s => PumpAsync(s, processor, workCts.Token)).ToList();
            var workers = processor.RunAsync(workCts.Token);

            var started = new List<IChoriaComponent>();
            try
            {
                foreach (var component in Parts.Components.Concat(Parts.ConnectedComponents.Select(create => create(_connection))))
                {
                    await component.StartAsync(cancellationToken);
                    started.Add(component);
                }

                LogReady(agentSubscriptions + subscriptions.Count, string.Join(", ", _options.Collectives));
                await WaitForCancellationAsync(cancellationToken);
                LogShuttingDown();
            }
            finally
            {
                // Also after a component failed to start: stop what started and release the subscriptions.
                await providersCts.CancelAsync();
                await ShutdownAsync(started, sink, subscriptions, processor, pumps, workers, workCts);
            }
        }
        finally
        {
            // Also when startup failed half way: the providers' background watching must end with the run.
            await providersCts.CancelAsync();
            await _connection.DisposeAsync();
        }
    }

    private ConnectorOptions ConnectorOptionsFor(ConnectorOptions options) =>
        _options.TuneConnector is { } tune ? tune(TlsOptionsFor(options)) : TlsOptionsFor(options);

    private ConnectorOptions TlsOptionsFor(ConnectorOptions options) => options switch
    {
        _ when _options.DisableTls => options with { Tls = null },
        { Tls: { } tls } when _options.DisableTlsVerification => options with { Tls = tls with { Verify = false } },
        _ => options,
    };

    private async Task ShutdownAsync(List<IChoriaComponent> started, ServerAgentSink sink, List<ChoriaSubscription> subscriptions, RequestProcessor processor, List<Task> pumps, Task workers, CancellationTokenSource workCts)
    {
        using var deadline = new CancellationTokenSource(_options.SoftShutdownTimeout);
        var shutdown = Task.Run(async () =>
        {
            for (var i = started.Count - 1; i >= 0; i--)
            {
                try
                {
                    await started[i].StopAsync(deadline.Token);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    LogComponentStopFailed(e, started[i].Name);
                }
            }

            await sink.CloseAsync();
            foreach (var sub in subscriptions)
            {
                await sub.DisposeAsync();
            }

            await workCts.CancelAsync();
            processor.Complete();
            await Task.WhenAll([.. pumps, workers]);
            // A flush without a broker would wait for a reconnect until the deadline; what could not be sent is lost either way.
            if (_connection!.IsConnected)
            {
                await _connection.FlushAsync(deadline.Token);
            }
        }, CancellationToken.None);

        try
        {
            await shutdown.WaitAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            throw new TimeoutException($"shutdown did not complete within the soft_shutdown_timeout of {_options.SoftShutdownTimeout.TotalSeconds}s");
        }
    }

    private static async Task WaitForCancellationAsync(CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var registration = cancellationToken.Register(() => done.TrySetResult());
        await done.Task;
    }

    /// <summary>Registers the built-in agents and returns the sink through which providers add theirs, with the same mcorpc options.</summary>
    private ServerAgentSink RegisterBuiltinAgents()
    {
        var loggers = _framework.Loggers;
        var mcorpc = new McorpcAgentOptions
        {
            Authorizer = _options.RpcAuthorization
                ? RequestAuthorizers.Create(_options.RpcAuthProvider, _options.ActionPolicy, Facts.Facts, Classes.Classes, loggers)
                : null,
            Auditor = _options.RpcAudit ? new RpcAuditor(_options.Audit, loggers.CreateLogger<RpcAuditor>(), _clock, Counters) : null,
            Observer = Parts.ActionObserver,
        };

        if (mcorpc.Authorizer is UnsupportedProviderAuthorizer unsupported)
        {
            LogUnsupportedAuthProvider(unsupported.Provider);
        }

        IAgent[] builtins =
        [
            new DiscoveryAgent(Info.Version),
            RpcutilAgent.Create(Info, _dataPlugins, mcorpc, loggers.CreateLogger("Choria.Server.Agents.rpcutil"), _clock),
            ChoriaUtilAgent.Create(Info, mcorpc, loggers.CreateLogger("Choria.Server.Agents.choria_util")),
        ];

        foreach (var agent in builtins)
        {
            var result = Agents.Register(agent);
            if (!result.Success)
            {
                throw new InvalidOperationException($"could not register agent {agent.Metadata.Name}: {result.Error}");
            }

            LogAgentRegistered(agent.Metadata.Name);
        }

        var names = builtins.Select(a => a.Metadata.Name).ToHashSet(StringComparer.Ordinal);
        return new ServerAgentSink(Agents, _options.Collectives, names, mcorpc, loggers);
    }

    /// <summary>A provider that fails to start is logged and skipped: its agents are missing, the server still serves the rest.</summary>
    private async Task StartProvidersAsync(ServerAgentSink sink, CancellationToken cancellationToken)
    {
        foreach (var provider in Parts.AgentProviders)
        {
            try
            {
                await provider.StartAsync(sink, cancellationToken);
                LogProviderStarted(provider.Name, provider.Version);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                LogProviderFailed(e, provider.Name);
            }
        }
    }

    private RequestProcessor CreateProcessor(ChoriaConnection connection)
    {
        var loggers = _framework.Loggers;
        var dependencies = new RequestProcessorDependencies
        {
            Security = _framework.Security,
            Dispatcher = new AgentDispatcher(Agents),
            Publisher = new ConnectionReplyPublisher(connection),
            Node = Info.NodeData,
            FilterContext = new FilterContext { Compound = _options.Compound, DataFunctions = new DataFunctionProvider(_dataPlugins, Info) },
            Counters = Counters,
            Clock = _clock,
        };
        return new RequestProcessor(_options, dependencies, loggers.CreateLogger<RequestProcessor>());
    }

    /// <summary>The node subject in every collective (the agents' subjects belong to the <see cref="ServerAgentSink"/>).</summary>
    private async Task<List<ChoriaSubscription>> SubscribeNodeAsync(ChoriaConnection connection, CancellationToken cancellationToken)
    {
        var subjects = _options.Collectives.Select(collective => ChoriaSubjects.Node(collective, _options.Identity)).ToList();

        var subscriptions = new List<ChoriaSubscription>(subjects.Count);
        foreach (var subject in subjects)
        {
            subscriptions.Add(await connection.SubscribeAsync(subject, cancellationToken: cancellationToken));
            LogSubscribed(subject);
        }

        // Subscriptions are only active once the broker has seen them; flush so "ready" is true when logged.
        await connection.FlushAsync(cancellationToken);
        return subscriptions;
    }

    private static async Task PumpAsync(ChoriaSubscription subscription, RequestProcessor processor, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var message in subscription.ReadAllAsync(cancellationToken))
            {
                processor.Enqueue(message.Data, message.Subject);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutdown.
        }
    }

    private ConnectorInfo ConnectorInfo()
    {
        var traffic = _connection?.Traffic();
        return new ConnectorInfo
        {
            ClientVersion = typeof(ChoriaConnection).Assembly.GetName().Version?.ToString() ?? "",
            ClientFlavour = ".NET NATS.Net",
            // nats.go lists URLs as client options but choria_util's middleware_servers as host:port (docs/agents.md).
            Servers = [.. _brokers.Select(b => b.Url)],
            MiddlewareServers = [.. _brokers.Select(b => b.HostPort)],
            DontRandomizeServers = !_connectorOptions.Randomize,
            Name = _connectorOptions.Name,
            Secure = _connectorOptions.Tls is not null,
            ConnectorTls = _connectorOptions.Tls is not null,
            SecureProtocol = !_options.Insecure,
            InMsgs = traffic?.InMsgs ?? 0,
            OutMsgs = traffic?.OutMsgs ?? 0,
            InBytes = traffic?.InBytes ?? 0,
            OutBytes = traffic?.OutBytes ?? 0,
            Reconnects = _connection?.Reconnects ?? 0,
            MaxReconnectAttempts = _connectorOptions.MaxReconnects,
            ReconnectTimeWaitSeconds = _connectorOptions.ReconnectWait.TotalSeconds,
            ConnectTimeoutSeconds = _connectorOptions.ConnectTimeout.TotalSeconds,
            PingIntervalSeconds = _connectorOptions.PingInterval.TotalSeconds,
            MaxOutstandingPings = _connectorOptions.MaxPingsOutstanding,
            FacterCommand = s_facterCommand.Value,
            SrvDomain = _framework.Config.SrvDomain,
            UsingSrv = _framework.Config.UseSrv,
        };
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Choria Network Brokers: {Brokers}")]
    private partial void LogBrokers(string brokers);

    [LoggerMessage(Level = LogLevel.Error, Message = "Unsupported authorization provider {Provider}: every RPC request will be denied")]
    private partial void LogUnsupportedAuthProvider(string provider);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Registered agent {Agent}")]
    private partial void LogAgentRegistered(string agent);

    [LoggerMessage(Level = LogLevel.Information, Message = "Started agent provider {Provider} version {Version}")]
    private partial void LogProviderStarted(string provider, string version);

    [LoggerMessage(Level = LogLevel.Error, Message = "Agent provider {Provider} failed to start, its agents are not served")]
    private partial void LogProviderFailed(Exception exception, string provider);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Subscribed to {Subject}")]
    private partial void LogSubscribed(string subject);

    [LoggerMessage(Level = LogLevel.Information, Message = "Subscribed to {Count} subjects in collectives {Collectives}, ready")]
    private partial void LogReady(int count, string collectives);

    [LoggerMessage(Level = LogLevel.Information, Message = "Shutting down")]
    private partial void LogShuttingDown();

    [LoggerMessage(Level = LogLevel.Error, Message = "Component {Component} failed to stop")]
    private partial void LogComponentStopFailed(Exception exception, string component);
}
