using System.Collections;
using System.CommandLine;
using Choria.Cli.Hosting;
using Choria.Client;
using Choria.Config;
using Choria.Framework;
using Choria.Server.Metrics;
using Choria.Provisioner;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace Choria.Cli.Commands;

/// <summary>
/// <c>choria provisioner run --config provisioner.yaml</c>: the service that provisions nodes waiting on the
/// provisioning broker, with a helper program deciding each node's configuration (docs/provisioning.md).
/// </summary>
public static partial class ProvisionerCommand
{
    public static Command Create()
    {
        var run = new Command("run", "Runs the Choria Provisioner");
        run.SetAction((parse, ct) => CliRuntime.RunAsync(parse, token => RunAsync(parse, token), ct));
        var cmd = new Command("provisioner", "Choria Provisioner: configures nodes waiting in provisioning mode");
        cmd.Subcommands.Add(run);
        return cmd;
    }

    private static async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var file = parse.GetValue(GlobalOptions.Config) ?? throw new ConfigException("the provisioner configuration is required, pass it with --config");
        if (!file.Exists)
        {
            throw new ConfigException($"configuration file {file.FullName} was not found");
        }

        ProvisionerOptions options;
        try
        {
            options = ProvisionerOptions.Parse(await File.ReadAllTextAsync(file.FullName, cancellationToken), file.DirectoryName ?? ".");
        }
        catch (FormatException e)
        {
            throw new ConfigException($"{file.FullName}: {e.Message}");
        }

        var environment = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (DictionaryEntry e in Environment.GetEnvironmentVariables())
        {
            environment[(string)e.Key] = e.Value as string;
        }

        if (options.Insecure)
        {
            environment["INSECURE_YES_REALLY"] = "true";
        }

        var loaded = ConfigLoader.Load(options.ChoriaConfig, new ConfigLoadOptions { Role = ConfigRole.Client, Environment = environment });
        var logging = new Dictionary<string, string>(StringComparer.Ordinal) { ["loglevel"] = options.LogLevel };
        if (options.LogFile.Length > 0)
        {
            logging["logfile"] = options.LogFile;
        }

        var config = loaded.Config.With(logging, file.FullName);
        var debug = parse.GetValue(GlobalOptions.Debug);
        using var framework = await ChoriaFramework.CreateAsync(config, debug, verifySecurityFiles: !options.Insecure, cancellationToken: cancellationToken);
        var logger = framework.Loggers.CreateLogger("Choria.Provisioner");
        LogStarting(logger, config.Build.Version, file.FullName, options.Workers, options.Helper);

        var metrics = new ProvisionerMetrics(Metrics.NewCustomRegistry());
        await using var endpoint = options.MonitorPort > 0
            ? new PrometheusHttpEndpoint(new PrometheusEndpointOptions { Address = options.MonitorAddress, Port = options.MonitorPort }, metrics.Registry, () => "{}"u8.ToArray(), framework.Loggers.CreateLogger<PrometheusHttpEndpoint>())
            : null;
        if (endpoint is not null)
        {
            await endpoint.StartAsync(cancellationToken);
        }

        // Retry until the provisioning broker is up: the provisioner is a service, not a one-shot command.
        await using var client = await ChoriaClient.ConnectAsync(framework, Timeout.InfiniteTimeSpan, cancellationToken: cancellationToken);
        await using var events = await framework.ConnectAsync(framework.Certname + "-events", allowFederation: false, cancellationToken);
        var provisioner = new Provisioner.Provisioner(options, client, metrics, logger);
        LogReady(logger, events.ConnectedServerUrl);
        await provisioner.RunAsync(events, cancellationToken);
        LogStopped(logger, provisioner.ProvisionedCount);
        return 0;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Choria Provisioner version {Version} starting with {Config}: {Workers} workers, helper {Helper}")]
    private static partial void LogStarting(ILogger logger, string version, string config, int workers, string helper);

    [LoggerMessage(Level = LogLevel.Information, Message = "Connected to the provisioning broker {Broker}, waiting for nodes")]
    private static partial void LogReady(ILogger logger, string broker);

    [LoggerMessage(Level = LogLevel.Information, Message = "Choria Provisioner shut down after provisioning {Count} nodes")]
    private static partial void LogStopped(ILogger logger, int count);
}
