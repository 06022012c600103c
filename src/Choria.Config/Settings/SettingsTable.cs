using System.Collections.Frozen;

namespace Choria.Config.Settings;

/// <summary>
/// Every configuration key Choria knows (docs/configuration.md, docs/broker.md,
/// docs/agents.md, docs/security.md). Defaults are the 2020 ones unless the key is later-only.
/// </summary>
public static partial class SettingsTable
{
    public const string CoreCategory = "Core";
    public const string LoggingCategory = "Logging";
    public const string DiscoveryCategory = "Discovery";
    public const string MiddlewareCategory = "Middleware";
    public const string SecurityCategory = "Security";
    public const string AuthorizationCategory = "Authorization and audit";
    public const string RegistrationCategory = "Registration";
    public const string ServerCategory = "Server";
    public const string BrokerCategory = "Broker";
    public const string NetworkCategory = "Network broker";
    public const string LeafnodeCategory = "Network broker: leafnodes and gateways";
    public const string StreamsCategory = "Network broker: accounts and streams";
    public const string FederationCategory = "Federation";
    public const string AdapterCategory = "Protocol adapters";
    public const string LegacyCategory = "Legacy";

    private const string CollectiveName = "^[A-Za-z0-9_-]+$";

    public static IReadOnlyList<SettingDefinition> All { get; } = Build();

    private static readonly FrozenDictionary<string, SettingDefinition> s_exact =
        All.Where(d => !d.IsPattern).ToFrozenDictionary(d => d.Key, StringComparer.Ordinal);

    private static readonly (string[] Segments, SettingDefinition Definition)[] s_patterns =
        [.. All.Where(d => d.IsPattern).Select(d => (PatternSegments(d.Key), d))];

    /// <summary>The definition for <paramref name="key"/>, matching <c>&lt;name&gt;</c> patterns too.</summary>
    public static SettingDefinition? Find(string key)
    {
        if (s_exact.TryGetValue(key, out var def))
        {
            return def;
        }

        foreach (var (segments, definition) in s_patterns)
        {
            if (Matches(segments, key))
            {
                return definition;
            }
        }

        return null;
    }

    /// <summary>
    /// Keys below <c>plugin.&lt;x&gt;.</c> for any x other than choria, security, nats and network belong to
    /// plugins and agents, so an unknown key there is not a mistake we can detect.
    /// </summary>
    public static bool IsPluginOwned(string key)
    {
        if (!key.StartsWith("plugin.", StringComparison.Ordinal))
        {
            return false;
        }

        var rest = key["plugin.".Length..];
        var dot = rest.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0)
        {
            return false;
        }

        return rest[..dot] is not ("choria" or "security" or "nats" or "network");
    }

    // A placeholder (<name>) stands for one whole dot-separated segment, so keys match segment by segment: no
    // regular expression is built when the table loads, which every command that reads a configuration paid for.
    private static string[] PatternSegments(string key)
    {
        var segments = key.Split('.');
        return segments.Any(s => s.Contains('<', StringComparison.Ordinal) && !IsPlaceholder(s))
            ? throw new InvalidOperationException($"setting pattern {key} has a placeholder that is not a whole segment")
            : segments;
    }

    private static bool IsPlaceholder(string segment) => segment.Length > 2 && segment[0] == '<' && segment[^1] == '>';

    /// <summary>Literal segments compare ordinally; a placeholder takes any non-empty segment.</summary>
    private static bool Matches(string[] pattern, ReadOnlySpan<char> key)
    {
        for (var i = 0; i < pattern.Length; i++)
        {
            var dot = key.IndexOf('.');
            var last = i == pattern.Length - 1;
            if (last != dot < 0)
            {
                return false;
            }

            var segment = last ? key : key[..dot];
            if (IsPlaceholder(pattern[i]) ? segment.IsEmpty : !segment.SequenceEqual(pattern[i]))
            {
                return false;
            }

            key = last ? key : key[(dot + 1)..];
        }

        return true;
    }

    private static List<SettingDefinition> Build()
    {
        var all = new List<SettingDefinition>();
        all.AddRange(Core());
        all.AddRange(Discovery());
        all.AddRange(Middleware());
        all.AddRange(Security());
        all.AddRange(Authorization());
        all.AddRange(Registration());
        all.AddRange(Server());
        all.AddRange(Broker());
        all.AddRange(Network());
        all.AddRange(NetworkRemotes());
        all.AddRange(NetworkStreams());
        all.AddRange(Federation());
        all.AddRange(Adapters());
        all.AddRange(Legacy());
        return all;
    }

    private static IEnumerable<SettingDefinition> Core()
    {
        const string C = CoreCategory;
        yield return new("identity", SettingType.String, null, "Node or client identity; the server's directed subject and reply sender. Derived from the host name when unset") { Category = C };
        yield return new("collectives", SettingType.CommaList, "mcollective", "Sub-collectives joined or usable") { Category = C, Pattern = CollectiveName };
        yield return new("main_collective", SettingType.String, null, "Default target collective for clients; unset means the first of collectives") { Category = C, Pattern = CollectiveName };
        yield return new("classesfile", SettingType.PathString, "/opt/puppetlabs/puppet/cache/state/classes.txt", "File listing the node's classes, one a line, for -C filters") { Category = C };
        yield return new("plugin.yaml", SettingType.PathString, "/etc/puppetlabs/mcollective/generated-facts.yaml", "YAML or JSON facts files for -F filters, separated by the OS path list separator") { Category = C };
        yield return new("libdir", SettingType.PathList, "", "Plugin and DDL search roots (<libdir>/mcollective/agent/<agent>.json); lines append") { Category = C };
        // docs/protocol.md: the request schema's ttl minimum is 30, so a lower value could only ever produce
        // requests that peers reject.
        yield return new("ttl", SettingType.Int, "60", "Request validity window in seconds") { Category = C, Min = 30 };
        yield return new("color", SettingType.Bool, "true", "Use colour in CLI output") { Category = C };
        yield return new("soft_shutdown_timeout", SettingType.Int, "2", "Seconds to wait after SIGINT/SIGTERM before forcing the process to quit") { Category = C, Min = 0 };
        yield return new("require_client_filter", SettingType.Bool, "false", "Clients must supply a filter on every request (2020 key)") { Category = C };
        yield return new("plugin.choria.require_client_filter", SettingType.Bool, "false", "Clients must supply a filter on every request") { Category = C, Since = "later" };
        yield return new("plugin.choria.machine.store", SettingType.PathString, "", "Directory holding autonomous agents (Choria Machines); empty disables them") { Category = C };

        const string L = LoggingCategory;
        yield return new("logfile", SettingType.PathString, "", "Log destination; empty logs text to stdout, a path appends JSON lines to that file") { Category = L };
        yield return new("loglevel", SettingType.Enum, "info", "Log level") { Category = L, AllowedValues = ["debug", "info", "warn", "error", "fatal"] };
    }

    private static IEnumerable<SettingDefinition> Discovery()
    {
        const string C = DiscoveryCategory;
        yield return new("discovery_timeout", SettingType.Int, "2", "Broadcast discovery window in seconds; also the ping timeout and base of RPC timeouts") { Category = C, Min = 1 };
        yield return new("default_discovery_method", SettingType.Enum, "mc", "Default discovery method") { Category = C, AllowedValues = ["mc", "broadcast", "puppetdb", "choria", "external", "inventory", "flatfile", "file"] };
        yield return new("default_discovery_options", SettingType.List, "", "Options (k=v) passed to discovery; each line appends one option") { Category = C };
        yield return new("rpclimitmethod", SettingType.Enum, "first", "How --limit picks nodes") { Category = C, AllowedValues = ["first", "random"] };
        yield return new("direct_addressing", SettingType.Bool, "true", "MCollective setting the client honours: false broadcasts RPC to a whole discovery result instead of addressing each node") { Category = C };
        yield return new("direct_addressing_threshold", SettingType.Int, "10", "RPC to a whole discovery result of more nodes than this is broadcast instead of addressed to each node") { Category = C, Min = 0 };
        yield return new("plugin.choria.discovery_host", SettingType.String, "puppet", "Discovery proxy host (2020); setting it implies discovery_proxy") { Category = C };
        yield return new("plugin.choria.discovery_port", SettingType.Int, "8085", "Discovery proxy port (2020); setting it implies discovery_proxy") { Category = C, Min = 1, Max = 65535 };
        yield return new("plugin.choria.discovery_proxy", SettingType.Bool, "false", "Use the discovery proxy for PuppetDB discovery (2020)") { Category = C };
        yield return new("plugin.choria.puppetdb_host", SettingType.String, "puppet", "PuppetDB host for choria discovery") { Category = C };
        yield return new("plugin.choria.puppetdb_port", SettingType.Int, "8081", "PuppetDB port for choria discovery") { Category = C, Min = 1, Max = 65535 };
        yield return new("plugin.choria.discovery.external.command", SettingType.PathString, "", "Command run by the external discovery method") { Category = C, Since = "later" };
        yield return new("plugin.choria.discovery.inventory.source", SettingType.PathString, "", "Inventory file used by the inventory discovery method") { Category = C, Since = "later" };
        yield return new("plugin.choria.discovery.broadcast.windowed_timeout", SettingType.Bool, "false", "Broadcast discovery ends once replies stop arriving instead of waiting the full timeout") { Category = C, Since = "later" };
    }

    private static IEnumerable<SettingDefinition> Middleware()
    {
        const string C = MiddlewareCategory;
        yield return new("plugin.choria.middleware_hosts", SettingType.CommaList, "", "Brokers as host:port or nats://host:port; empty means SRV lookup then puppet:4222") { Category = C };
        yield return new("plugin.choria.randomize_middleware_hosts", SettingType.Bool, "true", "Shuffle the broker list; false connects in listed order") { Category = C };
        yield return new("plugin.choria.use_srv", SettingType.Bool, "true", "Allow SRV lookups for brokers, peers and the Puppet CA") { Category = C };
        yield return new("plugin.choria.srv_domain", SettingType.String, "", "Domain for SRV lookups; empty uses the facter domain") { Category = C, EnvironmentVariable = "CHORIA_SRV_DOMAIN" };
        yield return new("plugin.nats.user", SettingType.String, null, "NATS user name (used only together with plugin.nats.pass)") { Category = C, DocumentedDefault = "", EnvironmentVariable = "MCOLLECTIVE_NATS_USERNAME" };
        yield return new("plugin.nats.pass", SettingType.String, null, "NATS password (used only together with plugin.nats.user)") { Category = C, DocumentedDefault = "", EnvironmentVariable = "MCOLLECTIVE_NATS_PASSWORD" };
        yield return new("plugin.nats.credentials", SettingType.PathString, null, "NATS 2 credentials file") { Category = C, DocumentedDefault = "", EnvironmentVariable = "MCOLLECTIVE_NATS_CREDENTIALS" };
        yield return new("plugin.nats.ngs", SettingType.Bool, null, "Connect to Synadia NGS (connect.ngs.global:4222, no Choria TLS) when credentials are set") { Category = C, DocumentedDefault = "false", EnvironmentVariable = "MCOLLECTIVE_NATS_NGS" };
        yield return new("plugin.choria.network.connect_timeout", SettingType.Duration, null, "Timeout for establishing a broker connection; unset uses the NATS client default") { Category = C, Since = "later", Min = 1 };
    }

    private static IEnumerable<SettingDefinition> Security()
    {
        const string C = SecurityCategory;
        yield return new("plugin.security.provider", SettingType.Enum, "puppet", "Security provider") { Category = C, AllowedValues = ["puppet", "file", "pkcs11", "certmanager", "choria"] };
        yield return new("plugin.security.puppet.allow_root_client", SettingType.Bool, "false", "Let client commands run as root with the puppet provider; off, they refuse because root's certname is the node's own identity") { Category = C };
        yield return new("plugin.choria.ssldir", SettingType.PathString, "", "Puppet layout SSL directory; empty asks Puppet (root) or uses ~/.puppetlabs/etc/puppet/ssl") { Category = C };
        yield return new("plugin.choria.puppetca_host", SettingType.String, "puppet", "Puppet CA host for enrollment; setting it disables the _x-puppet-ca._tcp SRV lookup") { Category = C };
        yield return new("plugin.choria.puppetca_port", SettingType.Int, "8140", "Puppet CA port; setting it disables the _x-puppet-ca._tcp SRV lookup") { Category = C, Min = 1, Max = 65535 };
        yield return new("plugin.choria.puppetserver_host", SettingType.String, "puppet", "Puppet server host") { Category = C };
        yield return new("plugin.choria.puppetserver_port", SettingType.Int, "8140", "Puppet server port") { Category = C, Min = 1, Max = 65535 };
        yield return new("plugin.security.file.certificate", SettingType.PathString, "", "Own public certificate (file provider)") { Category = C };
        yield return new("plugin.security.file.key", SettingType.PathString, "", "Own private key (file provider)") { Category = C };
        yield return new("plugin.security.file.ca", SettingType.PathString, "", "CA bundle (file provider)") { Category = C };
        yield return new("plugin.security.file.cache", SettingType.PathString, "", "Client certificate cache directory (file provider)") { Category = C };
        yield return new("plugin.security.pkcs11.driver_file", SettingType.PathString, "", "PKCS#11 driver library (pkcs11 provider)") { Category = C };
        yield return new("plugin.security.pkcs11.slot", SettingType.Int, "0", "PKCS#11 slot (pkcs11 provider)") { Category = C, Min = 0 };
        yield return new("plugin.security.always_overwrite_cache", SettingType.Bool, "false", "Rewrite cached client certificates even when one is already cached") { Category = C };
        yield return new("plugin.security.cipher_suites", SettingType.CommaList, "", "Restrict TLS cipher suites") { Category = C };
        yield return new("plugin.security.ecc_curves", SettingType.CommaList, "", "Restrict TLS elliptic curves") { Category = C };
        yield return new("plugin.security.support_legacy_certificates", SettingType.Bool, "false", "Accept certificates without SANs") { Category = C, Since = "later" };
        yield return new("plugin.choria.security.privileged_users", SettingType.CommaList, @"\.privileged.mcollective$,\.privileged.choria$", "Certificate names allowed to act for other callers (regular expressions)") { Category = C, ItemsAreRegex = true };
        yield return new("plugin.choria.security.certname_whitelist", SettingType.CommaList, @"\.mcollective$,\.choria$", "Client certificate names accepted (regular expressions)") { Category = C, ItemsAreRegex = true };
        yield return new("plugin.choria.security.serializer", SettingType.Enum, null, "Security serializer") { Category = C, Legacy = true, AllowedValues = ["json", "yaml"] };
        yield return new("plugin.choria.security.request_signer.url", SettingType.String, "", "Remote request signing service (AAA) URL") { Category = C };
        yield return new("plugin.choria.security.request_signer.token_file", SettingType.PathString, "", "File holding the token sent to the request signer") { Category = C };
        yield return new("plugin.choria.security.request_signer.token_environment", SettingType.String, "", "Environment variable holding the token sent to the request signer") { Category = C };
        yield return new("plugin.security.choria.trusted_signers", SettingType.CommaList, "", "Hex ed25519 keys of trusted JWT issuers (choria provider)") { Category = C, Since = "later" };
        yield return new("plugin.security.choria.certificate", SettingType.PathString, "", "Certificate (choria provider)") { Category = C, Since = "later" };
        yield return new("plugin.security.choria.key", SettingType.PathString, "", "Private key (choria provider)") { Category = C, Since = "later" };
        yield return new("plugin.security.choria.ca", SettingType.PathString, "", "CA bundle (choria provider)") { Category = C, Since = "later" };
        yield return new("plugin.security.choria.token_file", SettingType.PathString, "", "JWT token file (choria provider)") { Category = C, Since = "later" };
        yield return new("plugin.security.choria.seed_file", SettingType.PathString, "", "ed25519 seed file (choria provider)") { Category = C, Since = "later" };
        yield return new("plugin.security.issuer.names", SettingType.CommaList, "", "Organisation issuer names; each needs plugin.security.issuer.<name>.public") { Category = C, Since = "later" };
        yield return new("plugin.security.issuer.<name>.public", SettingType.String, null, "Hex ed25519 public key of an organisation issuer") { Category = C, Since = "later", Pattern = "^[0-9a-fA-F]{64}$" };
        yield return new("plugin.choria.security.server.token_file", SettingType.PathString, "", "Server JWT token file") { Category = C, Since = "later" };
        yield return new("plugin.choria.security.server.seed_file", SettingType.PathString, "", "Server ed25519 seed file") { Category = C, Since = "later" };
        yield return new("plugin.security.server_anon_tls", SettingType.Bool, "false", "Servers use anonymous TLS") { Category = C, Since = "later" };
        yield return new("plugin.security.client_anon_tls", SettingType.Bool, "false", "Clients use anonymous TLS (requires a remote signer)") { Category = C, Since = "later" };
        yield return new("plugin.login.aaasvc.login.url", SettingType.CommaList, "", "AAA login service URLs") { Category = C, Since = "later" };
    }

    private static IEnumerable<SettingDefinition> Authorization()
    {
        const string C = AuthorizationCategory;
        yield return new("rpcauthorization", SettingType.Bool, "false", "Enable per-request authorization") { Category = C };
        yield return new("rpcauthprovider", SettingType.TitleString, "action_policy", "Authorization plugin; this server implements action_policy only, any other value (rego_policy included) denies every request") { Category = C };
        yield return new("rpcaudit", SettingType.Bool, "false", "Audit log every authorized request") { Category = C };
        yield return new("rpcauditprovider", SettingType.TitleString, "", "Audit plugin") { Category = C };
        yield return new("plugin.rpcaudit.logfile", SettingType.PathString, "", "File receiving one JSON line per audited request") { Category = C };
        yield return new("plugin.actionpolicy.enable_default", SettingType.Bool, "false", "Fall back to policies/<default_name>.policy when an agent has no policy") { Category = C };
        yield return new("plugin.actionpolicy.default_name", SettingType.String, "default", "Name of the default action policy file") { Category = C };
        yield return new("plugin.actionpolicy.allow_unconfiguredt", SettingType.Bool, "n", "Starting default while a policy file is evaluated (the misspelt key is the real one)") { Category = C };
        yield return new("plugin.regopolicy.tracing", SettingType.Bool, "false", "Trace Open Policy Agent evaluation") { Category = C };
    }

    private static IEnumerable<SettingDefinition> Registration()
    {
        const string C = RegistrationCategory;
        yield return new("registration", SettingType.CommaList, "", "Registration plugins (file_content, inventory_content); empty disables registration") { Category = C };
        yield return new("registration_collective", SettingType.String, null, "Collective registration is published to; unset means main_collective") { Category = C, Pattern = CollectiveName };
        yield return new("registerinterval", SettingType.Int, "300", "Seconds between registration publishes") { Category = C, Min = 1 };
        yield return new("registration_splay", SettingType.Bool, "false", "Sleep a random time up to registerinterval before the first publish") { Category = C };
        yield return new("plugin.choria.registration.file_content.data", SettingType.PathString, "", "File published by the file_content registration plugin") { Category = C };
        yield return new("plugin.choria.registration.file_content.target", SettingType.String, "", "Custom subject for file_content; empty means <collective>.broadcast.agent.registration") { Category = C };
        yield return new("plugin.choria.registration.file_content.compression", SettingType.Bool, "true", "Gzip the file_content data (zcontent)") { Category = C };
        yield return new("plugin.choria.registration.inventory_content.target", SettingType.String, "", "Custom subject for inventory_content") { Category = C, Since = "later" };
        yield return new("plugin.choria.registration.inventory_content.compression", SettingType.Bool, "true", "Gzip the inventory_content data") { Category = C, Since = "later" };
        yield return new("plugin.choria.registration.size_trigger", SettingType.Int, "0", "Publish when the data file size changes by this many bytes; 0 disables") { Category = C, Since = "later", Min = 0 };
        yield return new("plugin.choria.registration.size_interval", SettingType.Int, "30", "Seconds between file size polls when size_trigger is set") { Category = C, Since = "later", Min = 1 };
    }

    private static IEnumerable<SettingDefinition> Server()
    {
        const string C = ServerCategory;
        yield return new("plugin.choria.status_file_path", SettingType.PathString, "", "JSON health file written by the server; empty disables it") { Category = C };
        yield return new("plugin.choria.status_update_interval", SettingType.Int, "30", "Seconds between status file writes; 0 disables") { Category = C, Min = 0 };
        yield return new("plugin.choria.stats_port", SettingType.Int, "0", "HTTP port for metrics (/choria/, /choria/prometheus); 0 disables") { Category = C, Min = 0, Max = 65535 };
        yield return new("plugin.choria.stats_address", SettingType.String, "127.0.0.1", "Bind address for the metrics HTTP listener") { Category = C };
        yield return new("plugin.choria.legacy_lifecycle_format", SettingType.Bool, "false", "Publish lifecycle events in the old JSON format instead of CloudEvents") { Category = C };
        // Not in go-choria (it has no limit and an unbuffered intake, docs/server.md); this port bounds both.
        yield return new("plugin.choria.server.concurrency", SettingType.Int, "0", "Requests the server verifies and runs at once; 0 means max(16, twice the CPU cores)") { Category = C, Since = "C# port", Min = 0, Max = 10000 };
        yield return new("plugin.choria.server.queue_length", SettingType.Int, "1000", "Received requests waiting for a free worker; when full, new requests are dropped and counted (queue_full)") { Category = C, Since = "C# port", Min = 1, Max = 1000000 };
        yield return new("plugin.choria.server.provision", SettingType.Bool, null, "Explicitly turn provisioning mode on or off; when no file sets it the build default (ProvisionModeDefault) applies") { Category = C, DocumentedDefault = "false" };
        yield return new("plugin.choria.agent_provider.mcorpc.agent_shim", SettingType.PathString, "", "Ruby agent compatibility shim; empty means choria-ruby-shim.rb beside the choria executable") { Category = C };
        yield return new("plugin.choria.agent_provider.mcorpc.config", SettingType.PathString, "", "Configuration file the Ruby agent shim reads (libdir, plugin.<agent>.*); empty means the server's own configuration file") { Category = C };
        yield return new("plugin.choria.agent_provider.mcorpc.libdir", SettingType.PathList, "", "Agent library directories: Ruby and external agents live in <libdir>/mcollective/agent; lines append") { Category = C };
        yield return new("plugin.choria.agent_provider.mcorpc.ruby", SettingType.PathString, "ruby", "Ruby interpreter (with MCollective) that runs the bundled agent shim and converts Ruby .ddl files") { Category = C, Since = "C# port" };
        yield return new("plugin.choria.agent_provider.mcorpc.ddl_cache", SettingType.PathString, "", "Directory for JSON DDLs converted from Ruby .ddl files; empty means $XDG_CACHE_HOME/choria/ddl or ~/.cache/choria/ddl") { Category = C, Since = "C# port" };
        yield return new("plugin.choria.prometheus_textfile_directory", SettingType.PathString, "", "node-exporter textfile directory for machine watcher metrics") { Category = C, Since = "later" };
        yield return new("plugin.choria.submission.spool", SettingType.PathString, "", "Submission spool directory") { Category = C, Since = "later" };
        yield return new("plugin.<agent>.activate_agent", SettingType.Bool, null, "Whether the named agent is activated") { Category = C };
    }

    private static IEnumerable<SettingDefinition> Broker()
    {
        const string C = BrokerCategory;
        yield return new("plugin.choria.broker_network", SettingType.Bool, "false", "Run the NATS network broker") { Category = C };
        yield return new("plugin.choria.broker_federation", SettingType.Bool, "false", "Run a federation broker instance") { Category = C };
        yield return new("plugin.choria.broker_discovery", SettingType.Bool, "false", "Legacy discovery proxy; parsed but unused") { Category = C, Legacy = true };
        yield return new("plugin.choria.adapters", SettingType.CommaList, "", "Names of protocol adapters to run") { Category = C };
    }

    private static IEnumerable<SettingDefinition> Network()
    {
        const string C = NetworkCategory;
        const string P = "plugin.choria.network.";
        yield return new(P + "listen_address", SettingType.String, "::", "Bind address for every broker listener") { Category = C };
        yield return new(P + "client_port", SettingType.Int, "4222", "Client listener port") { Category = C, Min = 1, Max = 65535 };
        yield return new(P + "peer_port", SettingType.Int, "5222", "Cluster route listener port") { Category = C, Min = 0, Max = 65535 };
        yield return new(P + "peers", SettingType.CommaList, "", "Static cluster routes (host:port or scheme://host:port), used when SRV finds none") { Category = C };
        yield return new(P + "peer_user", SettingType.String, null, "Username required on cluster routes") { Category = C };
        yield return new(P + "peer_password", SettingType.String, null, "Password required on cluster routes") { Category = C };
        yield return new(P + "write_deadline", SettingType.Duration, "5s", "NATS write deadline") { Category = C, Min = 0 };
        yield return new(P + "tls_timeout", SettingType.Duration, "2", "TLS handshake timeout in every tls block") { Category = C, Min = 0, Max = 60 };
        yield return new(P + "auth_timeout", SettingType.Duration, "2s", "Authorization timeout") { Category = C, Since = "later", Min = 0, Max = 60 };
        yield return new(P + "client_tls_force_required", SettingType.Bool, "false", "Force TLS on the client port even when TLS is disabled") { Category = C };
        yield return new(P + "client_hosts", SettingType.CommaList, "", "IPs or CIDRs allowed client privileges") { Category = C };
        yield return new(P + "public_url", SettingType.String, null, "Advertised client URL host:port") { Category = C, Since = "later" };
        yield return new(P + "websocket_port", SettingType.Int, "0", "Websocket listener port; 0 disables") { Category = C, Since = "later", Min = 0, Max = 65535 };
        yield return new(P + "websocket_advertise", SettingType.String, null, "Advertised websocket URL") { Category = C, Since = "later" };
        yield return new(P + "pprof_port", SettingType.Int, "0", "Profiling port; 0 disables") { Category = C, Since = "later", Min = 0, Max = 65535 };
        yield return new(P + "deny_server_connections", SettingType.Bool, "false", "Give server class connections deny-all permissions") { Category = C, Since = "later" };
        yield return new(P + "soft_shutdown_timeout", SettingType.Int, "60", "Broker force-quit grace in seconds") { Category = C, Since = "later", Min = 0 };
        yield return new(P + "nats_server_binary", SettingType.PathString, null, "nats-server executable the broker supervises; unset searches PATH, then /usr/sbin and /usr/bin (Debian package nats-server)") { Category = C, Since = ".NET" };
    }

    private static IEnumerable<SettingDefinition> NetworkRemotes()
    {
        const string C = LeafnodeCategory;
        const string P = "plugin.choria.network.";
        const string FlagNote = "; false, no, off or 0 mean ";
        yield return new(P + "leafnode_port", SettingType.Int, "0", "Leafnode listener port; 0 disables") { Category = C, Min = 0, Max = 65535 };
        yield return new(P + "leafnode_remotes", SettingType.CommaList, "", "Names of outbound leafnode remotes") { Category = C };
        yield return new(P + "leafnode_remote.<name>.url", SettingType.CommaList, null, "URLs (host:port) of a leafnode remote") { Category = C };
        yield return new(P + "leafnode_remote.<name>.account", SettingType.String, null, "Local account bound to a leafnode remote") { Category = C };
        yield return new(P + "leafnode_remote.<name>.credentials", SettingType.PathString, null, "NATS credentials file for a leafnode remote") { Category = C };
        yield return new(P + "leafnode_remote.<name>.tls.cert", SettingType.PathString, null, "Certificate for a leafnode remote") { Category = C };
        yield return new(P + "leafnode_remote.<name>.tls.key", SettingType.PathString, null, "Private key for a leafnode remote") { Category = C };
        yield return new(P + "leafnode_remote.<name>.tls.ca", SettingType.PathString, null, "CA for a leafnode remote") { Category = C };
        yield return new(P + "leafnode_remote.<name>.tls.verify", SettingType.String, null, "Verify the remote's certificate" + FlagNote + "skip verification") { Category = C };
        yield return new(P + "leafnode_remote.<name>.tls.disable", SettingType.String, null, "Disable TLS for the remote" + FlagNote + "keep TLS") { Category = C };
        yield return new(P + "gateway_port", SettingType.Int, "0", "Super-cluster gateway port; 0 disables") { Category = C, Min = 0, Max = 65535 };
        yield return new(P + "gateway_name", SettingType.String, "CHORIA", "This cluster's gateway name") { Category = C, Pattern = @"^\S+$" };
        yield return new(P + "gateway_remotes", SettingType.CommaList, "", "Names of remote gateways") { Category = C };
        yield return new(P + "gateway_remote.<name>.urls", SettingType.CommaList, null, "URLs (host:port) of a remote gateway") { Category = C };
        yield return new(P + "gateway_remote.<name>.tls.cert", SettingType.PathString, null, "Certificate for a remote gateway") { Category = C };
        yield return new(P + "gateway_remote.<name>.tls.key", SettingType.PathString, null, "Private key for a remote gateway") { Category = C };
        yield return new(P + "gateway_remote.<name>.tls.ca", SettingType.PathString, null, "CA for a remote gateway") { Category = C };
        yield return new(P + "gateway_remote.<name>.tls.verify", SettingType.String, null, "Verify the gateway's certificate" + FlagNote + "skip verification") { Category = C };
        yield return new(P + "gateway_remote.<name>.tls.disable", SettingType.String, null, "Disable TLS for the gateway" + FlagNote + "keep TLS") { Category = C };
    }

    private static IEnumerable<SettingDefinition> NetworkStreams()
    {
        const string C = StreamsCategory;
        const string P = "plugin.choria.network.";
        yield return new(P + "operator_account", SettingType.String, null, "NATS operator-mode account name (2020)") { Category = C };
        yield return new(P + "system_account", SettingType.String, null, "NATS system account public key (operator mode, 2020)") { Category = C };
        yield return new(P + "system.user", SettingType.String, null, "User landing in the system account") { Category = C, Since = "later" };
        yield return new(P + "system.password", SettingType.String, null, "Password of the system account user") { Category = C, Since = "later" };
        yield return new(P + "provisioning.client_password", SettingType.String, null, "Enables the provisioning account and the provisioner user password") { Category = C, Since = "later" };
        yield return new(P + "provisioning.signer_cert", SettingType.PathString, null, "Certificate verifying provisioning JWTs") { Category = C, Since = "later" };
        yield return new(P + "provisioning.provisioner_without_token", SettingType.Bool, "false", "Allow provisioner login without JWT in issuer mode") { Category = C, Since = "later" };
        yield return new(P + "client_signer_cert", SettingType.CommaList, "", "Trusted signers of client JWTs (paths or hex ed25519 keys)") { Category = C, Since = "later" };
        yield return new(P + "server_signer_cert", SettingType.CommaList, "", "Trusted signers of server JWTs") { Category = C, Since = "later" };
        yield return new(P + "mapping.names", SettingType.CommaList, "", "Subject mapping names; each needs .source and .destination") { Category = C, Since = "later" };
        yield return new(P + "mapping.<name>.source", SettingType.String, null, "Subject mapping source") { Category = C, Since = "later" };
        yield return new(P + "mapping.<name>.destination", SettingType.String, null, "Subject mapping destination") { Category = C, Since = "later" };
        yield return new(P + "stream.store", SettingType.PathString, null, "JetStream store directory; enables Choria Streams") { Category = C, Since = "later" };
        yield return new(P + "stream.manage_streams", SettingType.Bool, "true", "Create and update the managed streams") { Category = C, Since = "later" };
        foreach (var (name, retention) in new[] { ("event", "24h"), ("machine", "24h"), ("advisory", "168h"), ("executor", "24h") })
        {
            yield return new($"{P}stream.{name}_retention", SettingType.Duration, retention, $"Retention of the {name} stream") { Category = C, Since = "later", Min = 0 };
            yield return new($"{P}stream.{name}_replicas", SettingType.Int, "-1", $"Replicas of the {name} stream; -1 picks automatically") { Category = C, Since = "later", Min = -1 };
        }

        yield return new(P + "stream.leader_election_ttl", SettingType.Duration, "1m", "TTL of the leader election bucket") { Category = C, Since = "later", Min = 0 };
        yield return new(P + "stream.leader_election_replicas", SettingType.Int, "-1", "Replicas of the leader election bucket; -1 picks automatically") { Category = C, Since = "later", Min = -1 };
    }

    private static IEnumerable<SettingDefinition> Federation()
    {
        const string C = FederationCategory;
        yield return new("plugin.choria.federation.collectives", SettingType.CommaList, "", "Member collectives a client is federated through (env CHORIA_FED_COLLECTIVE replaces it)") { Category = C, Pattern = CollectiveName };
        yield return new("plugin.choria.federation_middleware_hosts", SettingType.CommaList, "", "Federation network brokers; empty means SRV lookup") { Category = C };
        yield return new("plugin.choria.federation.cluster", SettingType.String, "mcollective", "Member collective served by this federation broker") { Category = C, Pattern = CollectiveName };
        yield return new("plugin.choria.federation.instance", SettingType.String, null, "Ruby-era federation instance name; ignored") { Category = C, Legacy = true };
    }

    private static IEnumerable<SettingDefinition> Adapters()
    {
        const string C = AdapterCategory;
        const string P = "plugin.choria.adapter.<name>.";
        yield return new(P + "type", SettingType.Enum, null, "Adapter type (required)") { Category = C, AllowedValues = ["nats_stream", "jetstream", "choria_streams"] };
        yield return new(P + "queue_len", SettingType.Int, "1000", "Capacity of the adapter work queue") { Category = C, Min = 1 };
        yield return new(P + "stream.servers", SettingType.CommaList, null, "Output brokers (host:port)") { Category = C };
        yield return new(P + "stream.clusterid", SettingType.String, null, "NATS Streaming cluster id (nats_stream only)") { Category = C };
        yield return new(P + "stream.topic", SettingType.String, null, "Output subject; unset means the adapter name") { Category = C };
        yield return new(P + "stream.workers", SettingType.Int, "10", "Number of output publishers") { Category = C, Min = 1 };
        yield return new(P + "ingest.topic", SettingType.String, null, "NATS subject to ingest (required, wildcards allowed)") { Category = C };
        yield return new(P + "ingest.protocol", SettingType.Enum, "reply", "Parse ingested payloads as requests or replies") { Category = C, AllowedValues = ["request", "reply"] };
        yield return new(P + "ingest.workers", SettingType.Int, "10", "Number of ingest subscribers") { Category = C, Min = 1 };
    }

    private static IEnumerable<SettingDefinition> Legacy()
    {
        const string C = LegacyCategory;
        SettingDefinition L(string key, SettingType type, string? def) =>
            new(key, type, def, "MCollective setting, parsed for compatibility and ignored") { Category = C, Legacy = true };
        yield return L("securityprovider", SettingType.String, null);
        yield return L("connector", SettingType.String, null);
        yield return L("factsource", SettingType.String, null);
        yield return L("daemonize", SettingType.Bool, null);
        yield return L("keeplogs", SettingType.Int, "5");
        yield return L("max_log_size", SettingType.Int, "2097152");
        yield return L("logfacility", SettingType.String, "user");
        yield return L("logger_type", SettingType.String, "file");
        yield return L("fact_cache_time", SettingType.Int, "300");
        yield return L("ssl_cipher", SettingType.String, null);
        yield return L("threaded", SettingType.Bool, null);
        yield return L("soft_shutdown", SettingType.Bool, null);
        yield return L("activate_agents", SettingType.Bool, null);
        yield return L("publish_timeout", SettingType.Int, "2");
        yield return L("connection_timeout", SettingType.Int, null);
    }
}
