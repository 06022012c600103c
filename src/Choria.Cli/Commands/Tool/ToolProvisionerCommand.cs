using System.CommandLine;
using Choria.Config.Build;
using Choria.Framework.Logging;
using Choria.Framework.Plugins;

namespace Choria.Cli.Commands.Tool;

/// <summary>
/// <c>choria tool provisioner</c> (alias <c>provision</c>, cli-config.md B.6): how a server of this binary would find
/// its provisioning brokers, from the build settings and the provisioning JWT; no configuration file is read.
/// </summary>
public static class ToolProvisionerCommand
{
    public static Command Create()
    {
        var cmd = new Command("provisioner", "View the provisioner targets based on related plugins");
        cmd.Aliases.Add("provision");
        cmd.SetAction(async (parse, ct) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            var build = BuildSettings.Current.Copy();
            var jwtError = ProvisioningJwt.Apply(build);
            if (jwtError is not null)
            {
                await stderr.WriteLineAsync($"warning: could not use the provisioning JWT {build.ProvisionJwtFile}: {jwtError}");
            }

            if (!build.SupportsProvisioning)
            {
                await stderr.WriteLineAsync("choria: Could not run Choria: not a server compiled for auto provisioning or no JWT token found to enable it");
                return 1;
            }

            var debug = parse.GetValue(GlobalOptions.Debug);
            using var loggers = ChoriaLogging.CreateConsole(debug);
            var resolver = FrameworkPlugins.CreateTargetResolver(loggers);
            await stdout.WriteLineAsync($"Attempting provisioner resolution using: {resolver.Name}");
            IReadOnlyList<string> targets;
            try
            {
                targets = await resolver.TargetsAsync(build, loggers.CreateLogger("Choria.Provisioning"), ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return 130;
            }

            await stdout.WriteAsync($"Provisioning using {targets.Count} broker(s):\n\n");
            await stdout.WriteAsync(string.Join('\t', targets.Select(t => $"nats://{t}")));
            await stdout.WriteLineAsync();
            return 0;
        });
        return cmd;
    }
}
