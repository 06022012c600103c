using System.Globalization;
using System.Security.Cryptography;

namespace Choria.Broker.Network;

/// <summary>
/// Renders <see cref="NetworkBrokerOptions"/> as a nats-server 2.9 configuration file (docs/broker.md).
/// Pure: no I/O except checking that referenced TLS files exist.
/// </summary>
internal static class NatsServerConfigRenderer
{
    /// <summary>Renders the config or throws <see cref="BrokerConfigException"/> with a one-line reason.</summary>
    public static string Render(NetworkBrokerOptions options) => RenderWithNotes(options).Config;

    /// <summary>As <see cref="Render"/>, plus informational notes the caller should log.</summary>
    internal static RenderResult RenderWithNotes(NetworkBrokerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var notes = new List<string>();
        Validate(options);

        var peers = options.Peers.Select(p => PeerUrl.Parse(p, "peer", "nats-route")).ToList();
        var tls = options.TlsEnabled ? TlsMaterial.FromOptions(options) : null;
        var gatewayRendered = options.GatewayPort > 0 && options.GatewayRemotes.Count > 0;
        if (options.GatewayPort > 0 && !gatewayRendered)
        {
            notes.Add("gateway_port is set but gateway_remotes is empty: gateway not configured");
        }

        var w = new NatsConfWriter();
        w.Comment($"rendered by choria broker{(options.ConfigFile is null ? "" : " from " + options.ConfigFile)} — do not edit");
        w.Str("server_name", options.Identity)
            .Str("host", options.ListenAddress)
            .Num("port", options.ClientPort)
            .Num("max_connections", options.MaxConnections)
            .Str("write_deadline", GoDuration(options.WriteDeadline))
            .Bool("logtime", false)
            .Bool("debug", options.Debug)
            .Bool("trace", false);
        if (options.PublicUrl is not null)
        {
            w.Str("client_advertise", options.PublicUrl);
        }

        if (options.PprofPort > 0)
        {
            w.Num("prof_port", options.PprofPort);
        }

        if (options.PortsFileDirectory is not null)
        {
            w.Str("ports_file_dir", options.PortsFileDirectory);
        }

        if (options.MonitorPort > 0)
        {
            w.Comment("internal monitor; Choria serves the public stats port and proxies NATS paths");
            w.Str("http", "127.0.0.1:" + options.MonitorPort.ToString(CultureInfo.InvariantCulture));
        }

        if (tls is not null)
        {
            w.Blank();
            WriteTls(w, "tls", tls, options.TlsTimeout, verify: !options.DisableTlsVerify);
        }

        if (options.AuthTimeout is { } authTimeout)
        {
            // Only the timeout: any user here would switch every client to password authentication.
            w.Blank().Open("authorization").Seconds("timeout", authTimeout).Close();
        }

        var laterAccounts = options.SystemUser is not null || options.ProvisioningPassword is not null;
        if (options.Mappings.Count > 0 && !laterAccounts)
        {
            // Top-level mappings apply to the global account, where every client lands without accounts.
            w.Blank();
            WriteMappings(w, options.Mappings);
        }

        RenderAccounts(w, options, gatewayRendered, notes);

        // nats-server refuses to start JetStream in a cluster that has no routes, and peer_port
        // defaults to 5222, so every standalone stream broker would fail; later Go only opens the
        // route listener when peers exist, which is what a broker without peers gets here.
        var standaloneStreams = options.StreamStore is not null && peers.Count == 0;
        if (options.PeerPort > 0 && standaloneStreams)
        {
            notes.Add("stream.store is set and there are no peers: cluster listener on peer_port not configured (JetStream needs routes in a cluster)");
        }
        else if (options.PeerPort > 0)
        {
            w.Blank();
            RenderCluster(w, options, peers, tls);
        }

        if (options.StreamStore is not null)
        {
            w.Blank().Open("jetstream").Str("store_dir", options.StreamStore);
            if (options.StreamMaxMemory is { } mem)
            {
                w.Num("max_memory_store", mem);
            }

            if (options.StreamMaxFile is { } file)
            {
                w.Num("max_file_store", file);
            }

            w.Close();
        }

        if (options.LeafnodePort > 0 || options.LeafnodeRemotes.Count > 0)
        {
            w.Blank();
            RenderLeafnodes(w, options, tls);
        }

        if (gatewayRendered)
        {
            w.Blank();
            RenderGateway(w, options, tls);
        }

        if (options.WebsocketPort > 0)
        {
            w.Blank();
            RenderWebsocket(w, options, tls);
        }

        return new RenderResult(w.ToString(), notes);
    }

    private static void Validate(NetworkBrokerOptions o)
    {
        if (string.IsNullOrWhiteSpace(o.Identity) || o.Identity.Any(char.IsWhiteSpace))
        {
            throw new BrokerConfigException($"identity '{o.Identity}' cannot be a nats-server server_name: it must be non-empty without spaces");
        }

        if (o.ClientHosts.Count > 0)
        {
            throw new BrokerConfigException(
                "plugin.choria.network.client_hosts cannot be expressed in nats-server 2.9 configuration (it needs a custom authentication callback, auth_callout arrives in 2.10); remove the setting");
        }

        if (o.Unsupported.Count > 0)
        {
            var first = o.Unsupported[0];
            throw new BrokerConfigException($"{first.Key} {first.Reason}; remove the setting");
        }

        CheckPort("plugin.choria.network.client_port", o.ClientPort, allowZero: false);
        CheckPort("plugin.choria.network.peer_port", o.PeerPort, allowZero: true);
        CheckPort("plugin.choria.network.leafnode_port", o.LeafnodePort, allowZero: true);
        CheckPort("plugin.choria.network.gateway_port", o.GatewayPort, allowZero: true);
        CheckPort("plugin.choria.network.websocket_port", o.WebsocketPort, allowZero: true);
        CheckPort("plugin.choria.network.pprof_port", o.PprofPort, allowZero: true);
        CheckPort("internal monitor port", o.MonitorPort, allowZero: true);

        var used = new Dictionary<int, string>();
        foreach (var (name, port) in new[]
                 {
                     ("client_port", o.ClientPort), ("peer_port", o.PeerPort), ("leafnode_port", o.LeafnodePort),
                     ("gateway_port", o.GatewayPort), ("websocket_port", o.WebsocketPort), ("pprof_port", o.PprofPort),
                     ("internal monitor port", o.MonitorPort),
                 })
        {
            if (port == 0)
            {
                continue;
            }

            if (!used.TryAdd(port, name))
            {
                throw new BrokerConfigException($"{used[port]} and {name} are both {port}: every listener needs its own port");
            }
        }

        if ((o.PeerUser is null) != (o.PeerPassword is null))
        {
            throw new BrokerConfigException("plugin.choria.network.peer_user and peer_password must be set together");
        }

        if ((o.SystemUser is null) != (o.SystemPassword is null))
        {
            throw new BrokerConfigException("plugin.choria.network.system.user and system.password must be set together");
        }

        if (o.Peers.Count > 0 && o.PeerPort == 0)
        {
            throw new BrokerConfigException("plugin.choria.network.peers is set but peer_port is 0");
        }

        if (o.WriteDeadline <= TimeSpan.Zero)
        {
            throw new BrokerConfigException($"plugin.choria.network.write_deadline must be positive, got {o.WriteDeadline}");
        }

        if (o.TlsTimeout <= TimeSpan.Zero || o.TlsTimeout > TimeSpan.FromSeconds(60))
        {
            throw new BrokerConfigException($"plugin.choria.network.tls_timeout must be between 0 and 60 seconds, got {o.TlsTimeout}");
        }

        if (o.AuthTimeout is { } auth && (auth <= TimeSpan.Zero || auth > TimeSpan.FromSeconds(60)))
        {
            throw new BrokerConfigException($"plugin.choria.network.auth_timeout must be between 0 and 60 seconds, got {auth}");
        }

        if (o.PublicUrl is not null && !IsHostPort(o.PublicUrl))
        {
            throw new BrokerConfigException($"plugin.choria.network.public_url '{o.PublicUrl}' must be host:port");
        }

        if (o.GatewayPort > 0 && string.IsNullOrWhiteSpace(o.GatewayName))
        {
            throw new BrokerConfigException("plugin.choria.network.gateway_name must not be empty");
        }
    }

    private static void CheckPort(string name, int port, bool allowZero)
    {
        if (port < (allowZero ? 0 : 1) || port > 65535)
        {
            throw new BrokerConfigException($"{name} {port} is out of range (1-65535)");
        }
    }

    private static void RenderAccounts(NatsConfWriter w, NetworkBrokerOptions o, bool gatewayRendered, List<string> notes)
    {
        var leafAccounts = o.LeafnodeRemotes.Select(r => r.Account).Where(a => !string.IsNullOrEmpty(a)).Distinct(StringComparer.Ordinal).ToList();
        if (o.SystemUser is not null || o.ProvisioningPassword is not null)
        {
            RenderLaterAccounts(w, o, leafAccounts);
            return;
        }

        var needSys = o.LeafnodePort > 0 && gatewayRendered;
        if (needSys)
        {
            notes.Add("leafnode listener and gateway need a system account: adding empty account SYS as system_account");
            w.Blank().Str("system_account", "SYS");
        }

        var declared = leafAccounts.Where(a => a != "SYS").Select(a => a!).ToList();
        if (needSys)
        {
            declared.Insert(0, "SYS");
        }

        if (declared.Count > 0)
        {
            if (!needSys)
            {
                w.Blank();
            }

            w.Open("accounts");
            WriteEmptyAccounts(w, declared);
            w.Close();
            notes.Add("an accounts block is rendered: clients sending a username/password will be rejected (docs/broker.md)");
        }
    }

    /// <summary>The fixed later accounts of docs/broker.md (password paths only).</summary>
    private static void RenderLaterAccounts(NatsConfWriter w, NetworkBrokerOptions o, List<string?> leafAccounts)
    {
        // Users exist from here on: clients without credentials land in "choria" through no_auth_user.
        w.Blank().Str("system_account", "system").Str("no_auth_user", "choria_default").Open("accounts");
        if (o.SystemUser is not null)
        {
            w.Open("system").OpenList("users")
                .Item($"{{ user: {NatsConfWriter.Quote(o.SystemUser)}, password: {NatsConfWriter.Quote(o.SystemPassword!)} }}")
                .Close("]").Close();
        }
        else
        {
            w.Raw("system", "{}");
        }

        var provisioning = o.ProvisioningPassword is not null;
        w.Open("choria");
        if (o.StreamStore is not null)
        {
            w.Raw("jetstream", "enabled");
        }

        // Only there to make no_auth_user valid; nobody is ever told this password.
        var unused = Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
        w.OpenList("users").Item($"{{ user: \"choria_default\", password: \"{unused}\" }}").Close("]");
        if (o.Mappings.Count > 0)
        {
            WriteMappings(w, o.Mappings);
        }

        if (provisioning)
        {
            w.OpenList("imports")
                .Item("{ stream: { account: \"provisioning\", subject: \"choria.lifecycle.>\" } }")
                .Close("]");
            w.OpenList("exports")
                .Item("{ service: \"$JS.API.STREAM.INFO.KV_CHORIA_LEADER_ELECTION\", accounts: [\"provisioning\"] }")
                .Item("{ service: \"$KV.CHORIA_LEADER_ELECTION.provisioner\", accounts: [\"provisioning\"] }")
                .Close("]");
        }

        w.Close();
        if (provisioning)
        {
            w.Open("provisioning").OpenList("users")
                .Item($"{{ user: \"provisioner\", password: {NatsConfWriter.Quote(o.ProvisioningPassword!)} }}")
                .Close("]");
            w.OpenList("exports").Item("{ stream: \"choria.lifecycle.>\", accounts: [\"choria\"] }").Close("]");
            w.OpenList("imports")
                .Item("{ service: { account: \"choria\", subject: \"$JS.API.STREAM.INFO.KV_CHORIA_LEADER_ELECTION\" }, to: \"choria.streams.STREAM.INFO.KV_CHORIA_LEADER_ELECTION\" }")
                .Item("{ service: { account: \"choria\", subject: \"$KV.CHORIA_LEADER_ELECTION.provisioner\" } }")
                .Item("{ service: { account: \"choria\", subject: \"$KV.CHORIA_LEADER_ELECTION.provisioner\" }, to: \"choria.streams.$KV.CHORIA_LEADER_ELECTION.provisioner\" }")
                .Close("]");
            w.Close();
        }

        WriteEmptyAccounts(w, leafAccounts.Where(a => a is not "system" and not "choria" and not "provisioning"));
        w.Close();
    }

    private static void WriteMappings(NatsConfWriter w, IReadOnlyList<SubjectMapping> mappings)
    {
        w.Open("mappings");
        foreach (var mapping in mappings)
        {
            w.Raw(NatsConfWriter.Quote(mapping.Source), NatsConfWriter.Quote(mapping.Destination));
        }

        w.Close();
    }

    private static void RenderWebsocket(NatsConfWriter w, NetworkBrokerOptions o, TlsMaterial? tls)
    {
        w.Open("websocket").Str("host", o.ListenAddress).Num("port", o.WebsocketPort);
        if (o.WebsocketAdvertise is not null)
        {
            w.Str("advertise", o.WebsocketAdvertise);
        }

        w.Bool("compression", true).Str("handshake_timeout", "2s");
        if (o.AuthTimeout is { } authTimeout)
        {
            w.Open("authorization").Seconds("timeout", authTimeout).Close();
        }

        if (tls is null)
        {
            // nats-server refuses a websocket listener without tls unless told so explicitly.
            w.Bool("no_tls", true);
        }
        else
        {
            WriteTls(w, "tls", tls, o.TlsTimeout, verify: !o.DisableTlsVerify);
        }

        w.Close();
    }

    private static bool IsHostPort(string value)
    {
        var colon = value.LastIndexOf(':');
        return colon > 0 && int.TryParse(value.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and <= 65535;
    }

    private static void WriteEmptyAccounts(NatsConfWriter w, IEnumerable<string?> names)
    {
        foreach (var name in names)
        {
            w.Raw(NatsConfWriter.Quote(name!), "{}");
        }
    }

    private static void RenderCluster(NatsConfWriter w, NetworkBrokerOptions o, List<PeerUrl> peers, TlsMaterial? tls)
    {
        w.Open("cluster")
            .Str("name", o.GatewayName)
            .Str("host", o.ListenAddress)
            .Num("port", o.PeerPort)
            .Bool("no_advertise", true);
        if (o.PeerUser is not null)
        {
            w.Open("authorization")
                .Str("user", o.PeerUser)
                .Str("password", o.PeerPassword!)
                .Comment("2020 parity: nats-server's fixed 2 s default, independent of tls_timeout")
                .Num("timeout", 2)
                .Close();
        }

        if (peers.Count > 0)
        {
            w.OpenList("routes");
            foreach (var peer in peers)
            {
                w.Item(NatsConfWriter.Quote(peer.ToRouteUrl(o.PeerUser, o.PeerPassword)));
            }

            w.Close("]");
        }

        if (tls is not null)
        {
            // nats-server always verifies route peers when cluster tls is present.
            WriteTls(w, "tls", tls, o.TlsTimeout, verify: null);
        }

        w.Close();
    }

    private static void RenderLeafnodes(NatsConfWriter w, NetworkBrokerOptions o, TlsMaterial? tls)
    {
        w.Open("leafnodes");
        if (o.LeafnodePort > 0)
        {
            w.Str("host", o.ListenAddress).Num("port", o.LeafnodePort).Bool("no_advertise", true);
            if (o.PublicUrl is not null)
            {
                // later: the public host with the leafnode port.
                var host = o.PublicUrl[..o.PublicUrl.LastIndexOf(':')];
                w.Str("advertise", host + ":" + o.LeafnodePort.ToString(CultureInfo.InvariantCulture));
            }
            if (tls is not null)
            {
                WriteTls(w, "tls", tls, o.TlsTimeout, verify: !o.DisableTlsVerify);
            }
        }

        if (o.LeafnodeRemotes.Count > 0)
        {
            w.OpenList("remotes");
            foreach (var remote in o.LeafnodeRemotes)
            {
                if (remote.Urls.Count == 0)
                {
                    throw new BrokerConfigException($"leafnode remote '{remote.Name}' has no plugin.choria.network.leafnode_remote.{remote.Name}.url");
                }

                var urls = remote.Urls.Select(u => PeerUrl.Parse(u, $"leafnode remote '{remote.Name}'", "nats-leaf").ToUrl()).ToList();
                w.Open("").Raw("urls", NatsConfWriter.QuotedList(urls));
                if (!string.IsNullOrEmpty(remote.Account))
                {
                    w.Str("account", remote.Account);
                }

                if (!string.IsNullOrEmpty(remote.Credentials))
                {
                    RequireFile(remote.Credentials, $"leafnode remote '{remote.Name}' credentials");
                    w.Str("credentials", remote.Credentials);
                }

                var remoteTls = RemoteMaterial(remote.Tls, tls, $"leafnode remote '{remote.Name}'");
                if (remoteTls is not null)
                {
                    WriteTls(w, "tls", remoteTls, o.TlsTimeout, verify: null, insecure: !remote.Tls.Verify || o.DisableTlsVerify);
                }

                w.Close();
            }

            w.Close("]");
        }

        w.Close();
    }

    private static void RenderGateway(NatsConfWriter w, NetworkBrokerOptions o, TlsMaterial? tls)
    {
        w.Open("gateway")
            .Str("name", o.GatewayName)
            .Str("host", o.ListenAddress)
            .Num("port", o.GatewayPort)
            .Bool("reject_unknown_cluster", true);
        if (tls is not null)
        {
            WriteTls(w, "tls", tls, o.TlsTimeout, verify: null);
        }

        w.OpenList("gateways");
        foreach (var remote in o.GatewayRemotes)
        {
            if (remote.Urls.Count == 0)
            {
                throw new BrokerConfigException($"gateway remote '{remote.Name}' has no plugin.choria.network.gateway_remote.{remote.Name}.urls");
            }

            if (remote.Tls.Disable && tls is not null)
            {
                throw new BrokerConfigException(
                    $"gateway_remote.{remote.Name}.tls.disable cannot be expressed in nats-server 2.9 configuration: remotes inherit the gateway tls block");
            }

            var urls = remote.Urls.Select(u => PeerUrl.Parse(u, $"gateway remote '{remote.Name}'", "nats").ToUrl()).ToList();
            w.Open("").Str("name", remote.Name).Raw("urls", NatsConfWriter.QuotedList(urls));
            if (remote.Tls.HasCustomMaterial || !remote.Tls.Verify)
            {
                var remoteTls = RemoteMaterial(remote.Tls, tls, $"gateway remote '{remote.Name}'");
                if (remoteTls is not null)
                {
                    WriteTls(w, "tls", remoteTls, o.TlsTimeout, verify: null, insecure: !remote.Tls.Verify || o.DisableTlsVerify);
                }
            }

            w.Close();
        }

        w.Close("]").Close();
    }

    private static TlsMaterial? RemoteMaterial(RemoteTls remote, TlsMaterial? broker, string what)
    {
        if (remote.Disable)
        {
            return null;
        }

        if (!remote.HasCustomMaterial)
        {
            return broker;
        }

        var cert = remote.Certificate ?? broker?.Certificate;
        var key = remote.Key ?? broker?.Key;
        var ca = remote.Ca ?? broker?.Ca;
        if (cert is null || key is null || ca is null)
        {
            throw new BrokerConfigException($"{what} needs tls.cert, tls.key and tls.ca when the broker itself has no TLS material");
        }

        return new TlsMaterial(
            RequireFile(cert, $"{what} tls.cert"), RequireFile(key, $"{what} tls.key"), RequireFile(ca, $"{what} tls.ca"));
    }

    private static void WriteTls(NatsConfWriter w, string name, TlsMaterial tls, TimeSpan timeout, bool? verify, bool insecure = false)
    {
        w.Open(name).Str("cert_file", tls.Certificate).Str("key_file", tls.Key).Str("ca_file", tls.Ca);
        if (verify is { } v)
        {
            w.Bool("verify", v);
        }

        if (insecure)
        {
            w.Bool("insecure", true);
        }

        w.Seconds("timeout", timeout).Close();
    }

    internal static string RequireFile(string path, string what)
    {
        if (!File.Exists(path))
        {
            throw new BrokerConfigException($"{what} file '{path}' does not exist");
        }

        return path;
    }

    /// <summary>Go <c>time.ParseDuration</c> syntax, which is what nats-server expects for durations.</summary>
    internal static string GoDuration(TimeSpan value) =>
        value.Milliseconds == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{(long)value.TotalSeconds}s")
            : string.Create(CultureInfo.InvariantCulture, $"{(long)value.TotalMilliseconds}ms");

    internal sealed record RenderResult(string Config, IReadOnlyList<string> Notes);

    private sealed record TlsMaterial(string Certificate, string Key, string Ca)
    {
        public static TlsMaterial FromOptions(NetworkBrokerOptions o)
        {
            if (o.TlsCertificate is null || o.TlsKey is null || o.TlsCa is null)
            {
                throw new BrokerConfigException("TLS is enabled but the security provider gave no certificate, key and CA paths (or disable TLS)");
            }

            return new TlsMaterial(
                RequireFile(o.TlsCertificate, "TLS certificate"),
                RequireFile(o.TlsKey, "TLS private key"),
                RequireFile(o.TlsCa, "TLS CA"));
        }
    }
}
