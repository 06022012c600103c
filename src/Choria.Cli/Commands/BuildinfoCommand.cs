using System.CommandLine;
using System.Runtime.InteropServices;
using System.Text;
using Choria.Config.Build;
using Choria.Framework.Plugins;
using Choria.Server.Plugins;

namespace Choria.Cli.Commands;

/// <summary><c>choria buildinfo</c>: the settings compiled into this binary.</summary>
public static class BuildinfoCommand
{
    public static Command Create()
    {
        var cmd = new Command("buildinfo", "Shows build time settings of this binary");
        cmd.SetAction(parse =>
        {
            parse.InvocationConfiguration.Output.Write(Render(BuildSettings.Current));
            return 0;
        });
        return cmd;
    }

    internal static string Render(BuildSettings b)
    {
        var sb = new StringBuilder();
        sb.Append("Choria build settings:\n\n");
        Section(sb, "Build Data:",
            ("Version", b.Version),
            ("Git SHA", b.Sha),
            ("Build Date", b.BuildDate),
            ("License", b.License),
            (".NET Version", RuntimeInformation.FrameworkDescription),
            ("Runtime", RuntimeInformation.RuntimeIdentifier),
            ("Native AOT", (!System.Runtime.CompilerServices.RuntimeFeature.IsDynamicCodeSupported).ToString().ToLowerInvariant()));
        Section(sb, "Network Broker Settings:",
            ("Maximum Network Clients", b.MaxBrokerClients.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("NATS Server", "supervised nats-server (see choria broker run)"));
        sb.Append("Configuration Mutators:\n");
        var mutators = FrameworkPlugins.ConfigMutators;
        sb.Append(mutators.Count == 0 ? "\tnone\n" : string.Concat(mutators.Select(m => $"\t{m.Name}\n"))).Append('\n');
        var server = new List<(string, string)>
        {
            ("Provisioning Default", b.ProvisionDefault ? "true" : "false"),
            ("Provisioning TLS", b.ProvisionSecure ? "true" : "false"),
            ("Provisioning Target Resolver", FrameworkPlugins.TargetResolverName),
            ("Default Provisioning Agent", b.ProvisionAgent),
            ("Provisioning Token", string.IsNullOrEmpty(b.ProvisionToken) ? "not set" : "set"),
        };
        AddIfSet(server, "Provisioning Brokers", b.ProvisionBrokerUrls);
        AddIfSet(server, "Provisioning SRV Domain", b.ProvisionBrokerSrvDomain);
        AddIfSet(server, "Provisioning JWT file", b.ProvisionJwtFile);
        AddIfSet(server, "Provisioning Registration Data", b.ProvisionRegistrationData);
        AddIfSet(server, "Provisioning Facts", b.ProvisionFacts);
        Section(sb, "Server Settings:", [.. server]);
        sb.Append("Agent Providers:\n");
        foreach (var provider in Choria.Server.Runtime.AgentProviderCatalog.All)
        {
            sb.Append('\t').Append(provider.Title).Append(" version ").Append(b.Version).Append('\n');
        }

        sb.Append('\n');
        AppendPlugins(sb, CompiledPlugins.Default.All);
        Section(sb, "Security Defaults:",
            ("TLS", b.Tls),
            ("x509 Security", b.SecureEnabled ? "true" : "false"));
        if (!b.TlsEnabled || !b.SecureEnabled)
        {
            sb.Append("NOTE: The security of this build is non standard, you might be running without TLS or without\n")
              .Append("signed requests. Review the build settings above before using it on a real network.\n\n");
        }

        return sb.ToString();
    }

    /// <summary>Every plugin from <c>user_plugins.yaml</c> by name, kind and version (docs/plugins.md), or <c>none</c>.</summary>
    internal static void AppendPlugins(StringBuilder sb, IReadOnlyList<CompiledPlugin> plugins)
    {
        sb.Append("Compiled-in Plugins:\n");
        if (plugins.Count == 0)
        {
            sb.Append("\tnone\n\n");
            return;
        }

        var nameWidth = plugins.Max(p => p.Name.Length) + 2;
        var kindWidth = plugins.Max(p => p.Kind.Length) + 2;
        foreach (var p in plugins.OrderBy(p => p.Kind, StringComparer.Ordinal).ThenBy(p => p.Name, StringComparer.Ordinal))
        {
            sb.Append('\t').Append(p.Name.PadRight(nameWidth)).Append(p.Kind.PadRight(kindWidth)).Append(p.Version).Append('\n');
        }

        sb.Append('\n');
    }

    private static void AddIfSet(List<(string, string)> rows, string label, string value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            rows.Add((label, value));
        }
    }

    private static void Section(StringBuilder sb, string heading, params (string Label, string Value)[] rows)
    {
        sb.Append(heading).Append('\n');
        var width = rows.Max(r => r.Label.Length);
        foreach (var (label, value) in rows)
        {
            sb.Append("  ").Append(label.PadLeft(width)).Append(": ").Append(value).Append('\n');
        }

        sb.Append('\n');
    }
}
