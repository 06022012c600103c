namespace Choria.Broker.Network;

/// <summary>
/// Everything the network broker needs, already resolved from configuration (docs/broker.md).
/// Each property names the setting it comes from; the config layer maps settings onto this record.
/// </summary>
internal sealed record NetworkBrokerOptions
{
    /// <summary><c>identity</c>: becomes nats-server <c>server_name</c>; must be unique and contain no spaces.</summary>
    public required string Identity { get; init; }

    /// <summary>Path of the Choria config file the options came from; only used in the rendered header comment.</summary>
    public string? ConfigFile { get; init; }

    /// <summary><c>plugin.choria.network.listen_address</c> (default <c>::</c>): bind address of every listener.</summary>
    public string ListenAddress { get; init; } = "::";

    /// <summary><c>plugin.choria.network.client_port</c> (default 4222).</summary>
    public int ClientPort { get; init; } = 4222;

    /// <summary><c>plugin.choria.network.peer_port</c> (default 5222); 2020 always opens it, 0 disables the cluster listener.</summary>
    public int PeerPort { get; init; } = 5222;

    /// <summary>
    /// <c>plugin.choria.network.peers</c> after SRV/static resolution by the caller (docs/broker.md):
    /// URLs like <c>nats://host:5222</c> or bare <c>host:5222</c>.
    /// </summary>
    public IReadOnlyList<string> Peers { get; init; } = [];

    /// <summary><c>plugin.choria.network.peer_user</c>.</summary>
    public string? PeerUser { get; init; }

    /// <summary><c>plugin.choria.network.peer_password</c>.</summary>
    public string? PeerPassword { get; init; }

    /// <summary><c>plugin.choria.network.write_deadline</c> (default 5 s, 2020).</summary>
    public TimeSpan WriteDeadline { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary><c>plugin.choria.network.tls_timeout</c> (default 2 s): TLS handshake timeout of every tls block.</summary>
    public TimeSpan TlsTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary><c>plugin.choria.network.auth_timeout</c> when set → <c>authorization.timeout</c> (and websocket); null keeps the nats-server default.</summary>
    public TimeSpan? AuthTimeout { get; init; }

    /// <summary><c>plugin.choria.network.public_url</c> (<c>host:port</c>) → <c>client_advertise</c>; its host also advertises the leafnode listener.</summary>
    public string? PublicUrl { get; init; }

    /// <summary><c>plugin.choria.network.websocket_port</c> (default 0 = no websocket listener).</summary>
    public int WebsocketPort { get; init; }

    /// <summary><c>plugin.choria.network.websocket_advertise</c> → <c>websocket.advertise</c>.</summary>
    public string? WebsocketAdvertise { get; init; }

    /// <summary><c>plugin.choria.network.pprof_port</c> (default 0) → <c>prof_port</c>.</summary>
    public int PprofPort { get; init; }

    /// <summary><c>plugin.choria.network.mapping.NAME.source/destination</c> → account <c>mappings</c> (docs/broker.md).</summary>
    public IReadOnlyList<SubjectMapping> Mappings { get; init; } = [];

    /// <summary><c>plugin.choria.network.provisioning.client_password</c>: enables the <c>provisioning</c> account with user <c>provisioner</c>.</summary>
    public string? ProvisioningPassword { get; init; }

    /// <summary>
    /// Settings that were given a non-default value but need the later JWT authenticator or operator
    /// mode (e.g. <c>deny_server_connections</c>, <c>client_signer_cert</c>): setting key → why it
    /// cannot be rendered. Rendering fails on the first one.
    /// </summary>
    public IReadOnlyList<UnsupportedSetting> Unsupported { get; init; } = [];

    /// <summary>Build setting <c>maxBrokerClients</c> (default 50000) → <c>max_connections</c>.</summary>
    public int MaxConnections { get; init; } = 50000;

    /// <summary><c>plugin.choria.network.client_hosts</c>: IP allow-list. Not expressible in nats-server 2.9; rendering fails when set.</summary>
    public IReadOnlyList<string> ClientHosts { get; init; } = [];

    /// <summary><c>plugin.choria.network.leafnode_port</c> (default 0 = no leafnode listener).</summary>
    public int LeafnodePort { get; init; }

    /// <summary><c>plugin.choria.network.leafnode_remotes</c> with their <c>leafnode_remote.NAME.*</c> keys.</summary>
    public IReadOnlyList<LeafnodeRemote> LeafnodeRemotes { get; init; } = [];

    /// <summary><c>plugin.choria.network.gateway_name</c> (default <c>CHORIA</c>); also the cluster name.</summary>
    public string GatewayName { get; init; } = "CHORIA";

    /// <summary><c>plugin.choria.network.gateway_port</c> (default 0 = no gateway).</summary>
    public int GatewayPort { get; init; }

    /// <summary><c>plugin.choria.network.gateway_remotes</c> with their <c>gateway_remote.NAME.*</c> keys.</summary>
    public IReadOnlyList<GatewayRemote> GatewayRemotes { get; init; } = [];

    /// <summary><c>plugin.choria.network.stream.store</c>: JetStream store directory; null disables JetStream.</summary>
    public string? StreamStore { get; init; }

    /// <summary>JetStream <c>max_memory_store</c> in bytes; null leaves the nats-server default.</summary>
    public long? StreamMaxMemory { get; init; }

    /// <summary>JetStream <c>max_file_store</c> in bytes; null leaves the nats-server default.</summary>
    public long? StreamMaxFile { get; init; }

    /// <summary><c>plugin.choria.network.system.user</c>: user landing in the <c>system</c> account.</summary>
    public string? SystemUser { get; init; }

    /// <summary><c>plugin.choria.network.system.password</c>.</summary>
    public string? SystemPassword { get; init; }

    /// <summary>TLS is off: build flag <c>TLS=false</c>, <c>INSECURE_YES_REALLY</c> or <c>--disable-tls</c> (unless <see cref="ClientTlsForceRequired"/>).</summary>
    public bool DisableTls { get; init; }

    /// <summary><c>plugin.choria.network.client_tls_force_required</c>: TLS even when <see cref="DisableTls"/> is set.</summary>
    public bool ClientTlsForceRequired { get; init; }

    /// <summary><c>--disable-ssl-verification</c>: client certificates are not verified, outbound TLS is insecure.</summary>
    public bool DisableTlsVerify { get; init; }

    /// <summary>Certificate of the active security provider (e.g. <c>plugin.security.file.certificate</c>).</summary>
    public string? TlsCertificate { get; init; }

    /// <summary>Private key of the active security provider (e.g. <c>plugin.security.file.key</c>).</summary>
    public string? TlsKey { get; init; }

    /// <summary>CA of the active security provider (e.g. <c>plugin.security.file.ca</c>).</summary>
    public string? TlsCa { get; init; }

    /// <summary><c>plugin.choria.stats_port</c> (default 0 = no public stats listener).</summary>
    public int StatsPort { get; init; }

    /// <summary><c>plugin.choria.stats_address</c> (default <c>127.0.0.1</c>).</summary>
    public string StatsAddress { get; init; } = "127.0.0.1";

    /// <summary><c>--debug</c> or <c>loglevel = debug</c> → nats-server <c>debug: true</c>.</summary>
    public bool Debug { get; init; }

    /// <summary>
    /// <c>plugin.choria.network.soft_shutdown_timeout</c> (default 60 s): how long the child may take
    /// to exit after SIGINT before it is killed.
    /// </summary>
    public TimeSpan SoftShutdownTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary><c>plugin.choria.network.nats_server_binary</c>: explicit nats-server binary; null searches <c>PATH</c>, then <c>/usr/sbin</c> and <c>/usr/bin</c>.</summary>
    public string? NatsServerPath { get; init; }

    /// <summary>How long the child may take to accept connections (docs/broker.md: 60 s).</summary>
    public TimeSpan ReadinessTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Loopback-only nats-server monitor port. Chosen by the supervisor; 0 omits the <c>http</c> line.</summary>
    public int MonitorPort { get; init; }

    /// <summary>nats-server <c>ports_file_dir</c>. Set by the supervisor to its private runtime directory.</summary>
    public string? PortsFileDirectory { get; init; }

    /// <summary>True when any listener gets a tls block.</summary>
    public bool TlsEnabled => !DisableTls || ClientTlsForceRequired;
}

/// <summary>One <c>plugin.choria.network.leafnode_remote.NAME.*</c> group (docs/broker.md).</summary>
internal sealed record LeafnodeRemote
{
    /// <summary>NAME from <c>leafnode_remotes</c>.</summary>
    public required string Name { get; init; }

    /// <summary><c>leafnode_remote.NAME.url</c>: <c>host:port</c> entries, scheme defaults to <c>nats-leaf</c>.</summary>
    public IReadOnlyList<string> Urls { get; init; } = [];

    /// <summary><c>leafnode_remote.NAME.account</c>; empty binds the global account.</summary>
    public string? Account { get; init; }

    /// <summary><c>leafnode_remote.NAME.credentials</c>: NATS creds file.</summary>
    public string? Credentials { get; init; }

    /// <summary>TLS overrides from <c>leafnode_remote.NAME.tls.*</c>.</summary>
    public RemoteTls Tls { get; init; } = new();
}

/// <summary>One <c>plugin.choria.network.gateway_remote.NAME.*</c> group (docs/broker.md).</summary>
internal sealed record GatewayRemote
{
    /// <summary>NAME from <c>gateway_remotes</c>: the remote cluster's gateway name.</summary>
    public required string Name { get; init; }

    /// <summary><c>gateway_remote.NAME.urls</c>: <c>host:port</c> entries, scheme <c>nats</c>.</summary>
    public IReadOnlyList<string> Urls { get; init; } = [];

    /// <summary>TLS overrides from <c>gateway_remote.NAME.tls.*</c>.</summary>
    public RemoteTls Tls { get; init; } = new();
}

/// <summary>The <c>*.tls.cert/key/ca/verify/disable</c> keys of a leafnode or gateway remote.</summary>
internal sealed record RemoteTls
{
    /// <summary><c>.tls.cert</c>; null uses the broker certificate.</summary>
    public string? Certificate { get; init; }

    /// <summary><c>.tls.key</c>.</summary>
    public string? Key { get; init; }

    /// <summary><c>.tls.ca</c>.</summary>
    public string? Ca { get; init; }

    /// <summary><c>.tls.verify</c> (default true); false renders <c>insecure: true</c>.</summary>
    public bool Verify { get; init; } = true;

    /// <summary><c>.tls.disable</c>: no TLS for this remote.</summary>
    public bool Disable { get; init; }

    /// <summary>True when the remote brings its own certificate material.</summary>
    public bool HasCustomMaterial => Certificate is not null || Key is not null || Ca is not null;
}

/// <summary>One <c>plugin.choria.network.mapping.NAME</c> subject mapping.</summary>
internal sealed record SubjectMapping(string Source, string Destination);

/// <summary>A setting the user set that a nats-server 2.9 config file cannot carry, and why.</summary>
internal sealed record UnsupportedSetting(string Key, string Reason);
