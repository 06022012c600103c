using Choria.Security.Dev;

namespace Choria.Emulator;

/// <summary>
/// The throw-away PKI and configuration files of an emulated fleet: a fresh CA, one broker certificate,
/// ONE server certificate shared by every emulated node and one client certificate. A real fleet has a
/// certificate per node, but a server's own certificate only matters for its TLS connection and registration
/// signing; sharing it keeps thousands of instances cheap to start.
/// </summary>
internal static class FleetSetup
{
    public const string ServerCertname = "emulated.fleet";

    public const string ClientCertname = "rip.mcollective";

    public static void Write(string dir, int port)
    {
        Directory.CreateDirectory(dir);
        var ssl = Path.Combine(dir, "ssl");
        using var ca = DevCertificateAuthority.Create(Path.Combine(dir, "ca"), "Choria Emulator CA");
        var broker = ca.IssueCertificate("localhost", ["localhost"], ssl);
        var server = ca.IssueCertificate(ServerCertname, ["localhost"], ssl);
        var client = ca.IssueCertificate(ClientCertname, ["localhost"], ssl);

        File.WriteAllText(Path.Combine(dir, "broker.conf"), Security(broker, "localhost", dir) + $"""
            plugin.choria.broker_network = true
            plugin.choria.network.listen_address = 127.0.0.1
            plugin.choria.network.client_port = {port}
            plugin.choria.stats_port = 0
            loglevel = warn
            logfile = {Path.Combine(dir, "broker.log")}
            """ + "\n");

        File.WriteAllText(Path.Combine(dir, "server.conf"), Security(server, "emulated", dir) + $"""
            plugin.choria.middleware_hosts = localhost:{port}
            plugin.choria.use_srv = false
            loglevel = warn
            """ + "\n");

        File.WriteAllText(Path.Combine(dir, "client.conf"), Security(client, ClientCertname, dir) + $"""
            plugin.choria.middleware_hosts = localhost:{port}
            plugin.choria.use_srv = false
            loglevel = warn
            """ + "\n");
    }

    private static string Security(IssuedCertificate cert, string identity, string dir) => $"""
        identity = {identity}
        plugin.security.provider = file
        plugin.security.file.certificate = {cert.CertificatePath}
        plugin.security.file.key = {cert.PrivateKeyPath}
        plugin.security.file.ca = {cert.CaPath}
        plugin.security.file.cache = {Path.Combine(dir, "cache-" + identity)}
        """ + "\n";
}
