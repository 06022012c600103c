using System.CommandLine;
using Choria.Client;
using Choria.Config;
using Choria.Framework;
using Choria.Framework.Logging;
using Microsoft.Extensions.Logging;

namespace Choria.Cli.Hosting;

/// <summary>Shared command plumbing: config loading and the error/exit-code rules of docs/client.md.</summary>
public static class CliRuntime
{
    /// <summary>
    /// Loads the configuration for <paramref name="role"/>: <c>--config</c> when given, else the client search
    /// path (clients) or a required flag (daemons). Warnings go to stderr.
    /// </summary>
    public static ChoriaConfig LoadConfig(ParseResult parse, ConfigRole role)
    {
        var file = parse.GetValue(GlobalOptions.Config);
        string path;
        if (file is not null)
        {
            if (!file.Exists)
            {
                throw new ConfigException($"configuration file {file.FullName} was not found") { File = file.FullName };
            }

            path = file.FullName;
        }
        else if (role == ConfigRole.Client)
        {
            path = ConfigPaths.FindClientConfig(Environment.GetEnvironmentVariable("HOME"))!;
        }
        else
        {
            throw new ConfigException("a configuration file is required, pass it with --config");
        }

        var result = ConfigLoader.Load(path, new ConfigLoadOptions { Role = role });
        foreach (var warning in result.Warnings)
        {
            parse.InvocationConfiguration.Error.WriteLine($"warning: {warning.Message}");
        }

        return result.Config;
    }

    /// <summary>Loads config and the framework for a client command; logs stay quiet unless --debug.</summary>
    /// <param name="wrapLoggers">Wraps the logger factory made from the configuration (<see cref="HeldLoggerFactory"/>).</param>
    public static Task<ChoriaFramework> ClientFrameworkAsync(ParseResult parse, CancellationToken cancellationToken, LogLevel minimum = LogLevel.Warning, Func<ILoggerFactory, ILoggerFactory>? wrapLoggers = null)
    {
        var config = LoadConfig(parse, ConfigRole.Client);
        // Before the framework: as root the puppet provider would otherwise shell out to puppet for the ssldir first.
        ClientSecurityPolicy.EnsureMayRun(config);
        var loggers = ChoriaLogging.CreateFactory(config, parse.GetValue(GlobalOptions.Debug), minimum);
        return ChoriaFramework.CreateAsync(config, wrapLoggers?.Invoke(loggers) ?? loggers, verifySecurityFiles: true, certnameOverride: null, cancellationToken);
    }

    /// <summary>
    /// Runs a command body: configuration problems print <c>Could not configure Choria: ...</c>, anything else
    /// <c>Could not run Choria: ...</c>; both exit 1. Interrupts end quietly.
    /// </summary>
    public static async Task<int> RunAsync(ParseResult parse, Func<CancellationToken, Task<int>> body, CancellationToken cancellationToken)
    {
        var stderr = parse.InvocationConfiguration.Error;
        try
        {
            return await body(cancellationToken);
        }
        catch (ConfigException e)
        {
            await stderr.WriteLineAsync($"choria: Could not configure Choria: {e.Message}");
            return 1;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return 130;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            await stderr.WriteLineAsync($"choria: Could not run Choria: {e.Message}");
            if (parse.GetValue(GlobalOptions.Debug))
            {
                await stderr.WriteLineAsync(e.ToString());
            }

            return 1;
        }
    }

    /// <summary>Writes the decimal process id, no newline, mode 0644 (docs/server.md).</summary>
    public static void WritePidFile(FileInfo? file)
    {
        if (file is null)
        {
            return;
        }

        File.WriteAllText(file.FullName, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(file.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }
    }

    /// <summary>
    /// The force-quit timer of docs/server.md / docs/broker.md: once <paramref name="cancellationToken"/> is cancelled
    /// by SIGINT/SIGTERM, a daemon still alive after <paramref name="grace"/> exits 1.
    /// </summary>
    /// <param name="expired">Runs instead of exiting 1 when the grace runs out, e.g. a restart the stop was for.</param>
    public static IDisposable ForceQuitAfterCancel(TimeSpan grace, CancellationToken cancellationToken, Action? expired = null)
    {
        Timer? timer = null;
        var registration = cancellationToken.Register(() =>
            timer = new Timer(_ => (expired ?? (() => Environment.Exit(1)))(), null, grace, Timeout.InfiniteTimeSpan));
        return new ForceQuit(registration, () => timer?.Dispose());
    }

    private sealed class ForceQuit(CancellationTokenRegistration registration, Action disposeTimer) : IDisposable
    {
        public void Dispose()
        {
            registration.Dispose();
            disposeTimer();
        }
    }
}
