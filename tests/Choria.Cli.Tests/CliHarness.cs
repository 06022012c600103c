using System.CommandLine;
using Choria.Security.Dev;

namespace Choria.Cli.Tests;

/// <summary>Runs the real command tree with captured output, plus a client config with dev certificates.</summary>
internal sealed class CliHarness : IDisposable
{
    public CliHarness(int brokerPort)
    {
        Dir = Directory.CreateTempSubdirectory("choria-cli-").FullName;
        using var ca = DevCertificateAuthority.Create(Dir);
        var cert = ca.IssueCertificate("tester.mcollective", ["tester.mcollective"], Dir);
        ConfigFile = Path.Combine(Dir, "client.conf");
        File.WriteAllText(ConfigFile, $"""
            identity = tester.example.net
            plugin.security.provider = file
            plugin.security.file.certificate = {cert.CertificatePath}
            plugin.security.file.key = {cert.PrivateKeyPath}
            plugin.security.file.ca = {cert.CaPath}
            plugin.security.file.cache = {Path.Combine(Dir, "cache")}
            plugin.choria.middleware_hosts = 127.0.0.1:{brokerPort}
            plugin.choria.use_srv = false
            discovery_timeout = 1
            libdir = {Dir}
            """);
    }

    public string Dir { get; }

    public string ConfigFile { get; }

    public static async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await ChoriaApp.BuildRoot().Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
