using Choria.Broker.Network;
using Choria.Broker.Stats;
using Choria.Config;
using Choria.Connector;
using Choria.Security;
using Microsoft.Extensions.Logging;

namespace Choria.Broker.Hosting;

/// <summary>The one place that turns broker settings into the network broker and stats options (docs/broker.md).</summary>
internal static partial class BrokerOptionsFactory
{
    private const string Net = "plugin.choria.network.";
    private const string NeedsAuthenticator = "cannot be expressed in nats-server 2.9 configuration (it needs the later JWT authenticator, a custom authentication callback that nats-server 2.9 lacks)";

    /// <param name="disableTls">From <c>--disable-tls</c>; combined with the build/env TLS switch.</param>
    public static async Task<NetworkBrokerOptions> NetworkAsync(
        ChoriaConfig config, ISecurityProvider security, ISrvResolver srv, bool debug, bool disableTls, bool disableTlsVerify, ILogger logger, CancellationToken cancellationToken)
    {
        return new NetworkBrokerOptions
        {
            Identity = config.Identity,
            ConfigFile = config.ConfigFile,
            ListenAddress = config.GetString(Net + "listen_address"),
            ClientPort = config.GetInt(Net + "client_port"),
            PeerPort = config.GetInt(Net + "peer_port"),
            Peers = await PeersAsync(config, srv, logger, cancellationToken),
            PeerUser = NonEmpty(config.GetString(Net + "peer_user")),
            PeerPassword = NonEmpty(config.GetString(Net + "peer_password")),
            WriteDeadline = config.GetDuration(Net + "write_deadline"),
            TlsTimeout = config.GetDuration(Net + "tls_timeout"),
            MaxConnections = config.Build.MaxBrokerClients,
            ClientHosts = config.GetList(Net + "client_hosts"),
            AuthTimeout = config.HasOption(Net + "auth_timeout") ? config.GetDuration(Net + "auth_timeout") : null,
            PublicUrl = NonEmpty(config.GetString(Net + "public_url")),
            WebsocketPort = config.GetInt(Net + "websocket_port"),
            WebsocketAdvertise = NonEmpty(config.GetString(Net + "websocket_advertise")),
            PprofPort = config.GetInt(Net + "pprof_port"),
            Mappings = Mappings(config, logger),
            ProvisioningPassword = NonEmpty(config.GetString(Net + "provisioning.client_password")),
            Unsupported = Unsupported(config, logger),
            LeafnodePort = config.GetInt(Net + "leafnode_port"),
            LeafnodeRemotes = [.. Names(config, Net + "leafnode_remotes").Select(name => LeafnodeRemote(config, name))],
            GatewayName = config.GetString(Net + "gateway_name"),
            GatewayPort = config.GetInt(Net + "gateway_port"),
            GatewayRemotes = [.. Names(config, Net + "gateway_remotes").Select(name => GatewayRemote(config, name))],
            StreamStore = NonEmpty(config.GetString(Net + "stream.store")),
            SystemUser = NonEmpty(config.GetString(Net + "system.user")),
            SystemPassword = NonEmpty(config.GetString(Net + "system.password")),
            DisableTls = disableTls || config.DisableTls,
            ClientTlsForceRequired = config.GetBool(Net + "client_tls_force_required"),
            DisableTlsVerify = disableTlsVerify,
            TlsCertificate = security.CertificatePath,
            TlsKey = security.PrivateKeyPath,
            TlsCa = security.CaPath,
            StatsPort = config.StatsPort,
            StatsAddress = config.StatsAddress,
            Debug = debug || config.LogLevel == "debug",
            SoftShutdownTimeout = TimeSpan.FromSeconds(config.GetInt(Net + "soft_shutdown_timeout")),
            NatsServerPath = NonEmpty(config.GetString(Net + "nats_server_binary")),
        };
    }

    public static StatsServerOptions? Stats(ChoriaConfig config) => config.StatsPort <= 0
        ? null
        : new StatsServerOptions
        {
            Identity = config.Identity,
            Port = config.StatsPort,
            Address = config.StatsAddress,
            ConfigFile = config.ConfigFile ?? "",
        };

    /// <summary>SRV <c>_mcollective-broker._tcp.&lt;domain&gt;</c> first, then <c>plugin.choria.network.peers</c> (docs/broker.md).</summary>
    private static async Task<IReadOnlyList<string>> PeersAsync(ChoriaConfig config, ISrvResolver srv, ILogger logger, CancellationToken cancellationToken)
    {
        var domain = config.SrvDomain;
        if (config.UseSrv && !string.IsNullOrEmpty(domain))
        {
            var records = await srv.ResolveAsync($"_mcollective-broker._tcp.{domain}", cancellationToken);
            if (records.Count > 0)
            {
                return [.. SrvOrdering.Order(records).Select(r => $"nats://{r.Target.TrimEnd('.')}:{r.Port}")];
            }

            LogNoSrvPeers(logger, domain);
        }

        return config.GetList(Net + "peers");
    }

    /// <summary>
    /// Settings given a non-default value that a nats-server 2.9 file cannot carry (docs/broker.md).
    /// Defaults stay silent so an untouched config never fails.
    /// </summary>
    private static List<UnsupportedSetting> Unsupported(ChoriaConfig config, ILogger logger)
    {
        var unsupported = new List<UnsupportedSetting>();
        if (config.GetBool(Net + "deny_server_connections"))
        {
            unsupported.Add(new(Net + "deny_server_connections",
                "cannot be expressed in nats-server 2.9 configuration (telling server from client connections needs a custom authentication callback; auth_callout arrives in 2.10)"));
        }

        foreach (var key in new[] { Net + "client_signer_cert", Net + "server_signer_cert", "plugin.security.issuer.names" })
        {
            if (config.GetList(key).Any(v => !string.IsNullOrWhiteSpace(v)))
            {
                unsupported.Add(new(key, NeedsAuthenticator));
            }
        }

        if (NonEmpty(config.GetString(Net + "provisioning.signer_cert")) is not null)
        {
            unsupported.Add(new(Net + "provisioning.signer_cert", NeedsAuthenticator));
        }

        if (config.GetBool(Net + "provisioning.provisioner_without_token"))
        {
            unsupported.Add(new(Net + "provisioning.provisioner_without_token", NeedsAuthenticator));
        }

        if (NonEmpty(config.GetString(Net + "operator_account")) is not null)
        {
            // Expressible in principle (operator + resolver_preload from the NSC tree), but not rendered yet.
            unsupported.Add(new(Net + "operator_account",
                "(2020 operator mode) is not supported by this broker: translating the NSC account tree into a nats-server resolver_preload is not implemented"));
        }
        else if (NonEmpty(config.GetString(Net + "system_account")) is { } systemAccount)
        {
            // 2020 only honoured it in operator mode, so ignoring it is parity.
            LogSystemAccountIgnored(logger, systemAccount);
        }

        return unsupported;
    }

    /// <summary><c>mapping.names</c> with their <c>.source</c>/<c>.destination</c>; incomplete entries are logged and skipped (docs/broker.md).</summary>
    private static List<SubjectMapping> Mappings(ChoriaConfig config, ILogger logger)
    {
        var mappings = new List<SubjectMapping>();
        foreach (var name in Names(config, Net + "mapping.names"))
        {
            var source = NonEmpty(config.Raw($"{Net}mapping.{name}.source")?.Trim());
            var destination = NonEmpty(config.Raw($"{Net}mapping.{name}.destination")?.Trim());
            if (source is null || destination is null)
            {
                LogIncompleteMapping(logger, name);
                continue;
            }

            mappings.Add(new SubjectMapping(source, destination));
        }

        return mappings;
    }

    private static IEnumerable<string> Names(ChoriaConfig config, string key) =>
        config.GetList(key).Where(n => !string.IsNullOrWhiteSpace(n));

    private static LeafnodeRemote LeafnodeRemote(ChoriaConfig config, string name)
    {
        var prefix = $"{Net}leafnode_remote.{name}.";
        return new LeafnodeRemote
        {
            Name = name,
            Urls = SplitRaw(config.Raw(prefix + "url")),
            Account = NonEmpty(config.Raw(prefix + "account")),
            Credentials = NonEmpty(config.Raw(prefix + "credentials")),
            Tls = RemoteTls(config, prefix),
        };
    }

    private static GatewayRemote GatewayRemote(ChoriaConfig config, string name)
    {
        var prefix = $"{Net}gateway_remote.{name}.";
        return new GatewayRemote
        {
            Name = name,
            Urls = SplitRaw(config.Raw(prefix + "urls")),
            Tls = RemoteTls(config, prefix),
        };
    }

    /// <summary>Keyed remote TLS flags use their own 2020 rule: <c>false/no/off/0</c> versus anything else (docs/configuration.md).</summary>
    private static RemoteTls RemoteTls(ChoriaConfig config, string prefix) => new()
    {
        Certificate = NonEmpty(config.Raw(prefix + "tls.cert")),
        Key = NonEmpty(config.Raw(prefix + "tls.key")),
        Ca = NonEmpty(config.Raw(prefix + "tls.ca")),
        Verify = config.Raw(prefix + "tls.verify") is not { } verify || !IsFalseWord(verify),
        Disable = config.Raw(prefix + "tls.disable") is { } disable && !IsFalseWord(disable),
    };

    private static bool IsFalseWord(string value) =>
        value.Trim().ToLowerInvariant() is "false" or "no" or "off" or "0";

    private static IReadOnlyList<string> SplitRaw(string? value) => value is null
        ? []
        : [.. value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)];

    private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    [LoggerMessage(Level = LogLevel.Debug, Message = "No broker peers found in SRV for {Domain}, using plugin.choria.network.peers")]
    private static partial void LogNoSrvPeers(ILogger logger, string domain);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Subject mapping {Name} needs both plugin.choria.network.mapping.{Name}.source and .destination, skipping it")]
    private static partial void LogIncompleteMapping(ILogger logger, string name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "plugin.choria.network.system_account {Account} has no effect without operator_account (2020 behaviour), ignoring it")]
    private static partial void LogSystemAccountIgnored(ILogger logger, string account);
}
