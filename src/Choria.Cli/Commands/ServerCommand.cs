using System.CommandLine;
using Choria.Cli.Hosting;
using Choria.Config;
using Choria.Config.Build;
using Choria.Framework;
using Choria.Server.Provisioning;
using Choria.Server.Runtime;
using Microsoft.Extensions.Logging;

namespace Choria.Cli.Commands;

/// <summary><c>choria server [run]</c>: the node daemon (docs/server.md).</summary>
public static partial class ServerCommand
{
    public static Command Create()
    {
        var pid = new Option<FileInfo?>("--pid") { Description = "Write running PID to a file" };
        var disableTls = new Option<bool>("--disable-tls") { Description = "Disables TLS", Hidden = true };
        var disableVerify = new Option<bool>("--disable-ssl-verification") { Description = "Disables SSL Verification", Hidden = true };

        var run = new Command("run", "Runs a Choria Server");
        var server = new Command("server", "Choria Server management");
        foreach (var cmd in new[] { run, server })
        {
            cmd.Options.Add(pid);
            cmd.Options.Add(disableTls);
            cmd.Options.Add(disableVerify);
            // 2020's `choria server --config X` runs the daemon: `run` is the default sub-command.
            cmd.SetAction(async (parse, ct) => await RunAsync(parse, parse.GetValue(pid), parse.GetValue(disableTls), parse.GetValue(disableVerify), ct));
        }

        server.Subcommands.Add(run);
        return server;
    }

    private static async Task<int> RunAsync(ParseResult parse, FileInfo? pidFile, bool disableTls, bool disableVerify, CancellationToken cancellationToken)
    {
        var stderr = parse.InvocationConfiguration.Error;
        // Before the configuration: its claims decide whether and how this server provisions (docs/provisioning.md).
        var jwtError = ProvisioningJwt.Apply(BuildSettings.Current);
        ChoriaConfig config;
        try
        {
            config = LoadConfig(parse);
        }
        catch (ConfigException e)
        {
            await stderr.WriteLineAsync($"choria: Could not configure Choria: {e.Message}");
            return 1;
        }

        var restart = false;
        try
        {
            var debug = parse.GetValue(GlobalOptions.Debug);
            var provisioning = ProvisioningConfig.IsEnabled(config);
            if (provisioning)
            {
                (config, provisioning) = await ProvisioningStartup.ConfigureAsync(config, debug, cancellationToken);
            }

            using var framework = await ChoriaFramework.CreateAsync(config, debug, verifySecurityFiles: false, cancellationToken: cancellationToken);
            // What the compiled-in configuration mutators made of it (docs/plugins.md).
            config = framework.Config;
            var logger = framework.Loggers.CreateLogger("Choria.Server");
            LogStarting(logger, config.Build.Version, config.ConfigFile ?? "");
            if (jwtError is not null)
            {
                LogJwtFailed(logger, config.Build.ProvisionJwtFile, jwtError);
            }

            CliRuntime.WritePidFile(pidFile);

            // A daemon must survive a stray SIGHUP (e.g. from a log rotation script); the server has nothing to reload.
            using var sighup = ReloadSignal.Register(() => LogSighupIgnored(logger));

            var options = ServerOptions.FromConfig(config) with
            {
                DisableTls = disableTls || config.DisableTls,
                DisableTlsVerification = disableVerify,
            };
            // A restart asked for by the provisioner stops the server like a signal would, then starts it again.
            using var run = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var instance = new ServerInstance(framework, options, server =>
                ServerComponents.Defaults(server, config, framework, provisioning)
                    .Then(ProvisioningComponents.For(server, config, framework, provisioning, () =>
                    {
                        restart = true;
                        try
                        {
                            run.Cancel();
                        }
                        catch (ObjectDisposedException)
                        {
                            // The server already stopped for another reason.
                        }
                    })));

            // The instance bounds its own shutdown by the same timeout; one extra second covers logging and disposal.
            // A stop for a provisioning restart that hangs still restarts: the node must come back configured.
            using var forceQuit = CliRuntime.ForceQuitAfterCancel(options.SoftShutdownTimeout + TimeSpan.FromSeconds(1), run.Token, () =>
            {
                if (restart && !cancellationToken.IsCancellationRequested)
                {
                    Console.Error.WriteLine(RestartOrExplain());
                }

                Environment.Exit(1);
            });
            try
            {
                await instance.RunAsync(run.Token);
            }
            catch (OperationCanceledException) when (run.IsCancellationRequested && instance.Connection is null)
            {
                // Interrupted before the server ran (still connecting): an error in 2020 too (docs/server.md).
                throw new InvalidOperationException("initial connection canceled due to shut down");
            }
            catch (OperationCanceledException) when (run.IsCancellationRequested)
            {
                // A running server asked to stop while its broker was away: the interrupted goodbyes are expected.
            }
            catch (TimeoutException e) when (run.IsCancellationRequested)
            {
                // It started and ran; only the stop overran soft_shutdown_timeout, which is not a start failure.
                // A provisioning restart goes ahead: the new configuration is on disk and the node must come back.
                await stderr.WriteLineAsync($"choria: Choria Server did not stop cleanly: {e.Message}");
                if (!restart)
                {
                    return 1;
                }
            }

            LogStopped(logger);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            await stderr.WriteLineAsync($"choria: Could not start choria: {e.Message}");
            return 1;
        }

        if (restart && !cancellationToken.IsCancellationRequested)
        {
            await stderr.WriteLineAsync(RestartOrExplain());
            return 1;
        }

        return 0;
    }

    /// <summary>Re-executes the server for a provisioning restart; only returns when that failed, with the line to print.</summary>
    private static string RestartOrExplain() => $"choria: Could not restart Choria Server: {ProcessRestart.Exec()}";

    /// <summary>
    /// <c>--config</c>, else the standard server file. A binary built for provisioning starts without the file: it is
    /// where the provisioner will write the configuration (server.md 1.1).
    /// </summary>
    private static ChoriaConfig LoadConfig(ParseResult parse)
    {
        var given = parse.GetValue(GlobalOptions.Config);
        var path = given?.FullName ?? ConfigPaths.DefaultServerConfig;
        if (!File.Exists(path) && BuildSettings.Current.SupportsProvisioning)
        {
            return ConfigLoader.Defaults(new ConfigLoadOptions { Role = ConfigRole.Server }, path);
        }

        return CliRuntime.LoadConfig(parse, ConfigRole.Server);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Choria Server version {Version} starting with config {ConfigFile}")]
    private static partial void LogStarting(ILogger logger, string version, string configFile);

    [LoggerMessage(Level = LogLevel.Information, Message = "Choria Server shut down")]
    private static partial void LogStopped(ILogger logger);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not use the provisioning JWT {File}: {Error}")]
    private static partial void LogJwtFailed(ILogger logger, string file, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SIGHUP ignored: choria server does not reload its configuration, restart it to apply changes")]
    private static partial void LogSighupIgnored(ILogger logger);
}
