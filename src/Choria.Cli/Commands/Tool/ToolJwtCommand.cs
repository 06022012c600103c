using System.Buffers;
using System.CommandLine;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Choria.Config.Build;
using Choria.Security.Jwt;

namespace Choria.Cli.Commands.Tool;

/// <summary>
/// <c>choria tool jwt FILE CERT</c> (cli-config.md B.6): creates a provisioning JWT signed RS256 with the private key
/// CERT when FILE does not exist, otherwise validates FILE against the certificate or public key CERT and shows it.
/// </summary>
public static class ToolJwtCommand
{
    private const string ClaimsIndent = "                               ";

    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "The JWT file to act on" };
        var cert = new Argument<string>("certificate") { Description = "Path to a certificate used to validate or sign the JWT" };
        var insecure = new Option<bool>("--insecure") { Description = "Disable TLS security during provisioning" };
        var token = new Option<string?>("--token") { Description = "Token used to secure access to the provisioning agent" };
        var urls = new Option<string[]>("--urls") { Description = "URLs to connect to for provisioning", AllowMultipleArgumentsPerToken = false };
        var srv = new Option<string?>("--srv") { Description = "Domain to query for SRV records to find provisioning urls" };
        var provDefault = new Option<bool>("--default") { Description = "Enables provisioning by default" };
        var registration = new Option<string?>("--registration") { Description = "File to publish as registration data during provisioning" };
        var facts = new Option<string?>("--facts") { Description = "File to use for facts during registration" };

        var cmd = new Command("jwt", "Create or validate JWT files");
        cmd.Arguments.Add(file);
        cmd.Arguments.Add(cert);
        foreach (var o in new Option[] { insecure, token, urls, srv, provDefault, registration, facts })
        {
            cmd.Options.Add(o);
        }

        cmd.SetAction(parse =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            var path = parse.GetValue(file)!;
            var certPath = parse.GetValue(cert)!;
            if (!File.Exists(certPath))
            {
                stderr.WriteLine($"choria: error: path '{certPath}' does not exist, try --help");
                return 1;
            }

            try
            {
                if (File.Exists(path))
                {
                    stdout.Write(Validate(path, File.ReadAllText(certPath), TimeProvider.System.GetUtcNow()));
                    return 0;
                }

                var request = new JwtRequest
                {
                    Token = parse.GetValue(token) ?? "",
                    Secure = !parse.GetValue(insecure),
                    Urls = parse.GetValue(urls) ?? [],
                    SrvDomain = parse.GetValue(srv) ?? "",
                    ProvisionDefault = parse.GetValue(provDefault),
                    RegistrationData = parse.GetValue(registration) ?? "",
                    Facts = parse.GetValue(facts) ?? "",
                };
                if (request.Token.Length == 0)
                {
                    request = request with { Token = PromptSecret("Provisioning Token") };
                }

                Create(path, File.ReadAllText(certPath), request, TimeProvider.System.GetUtcNow());
                return 0;
            }
            catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                var verb = File.Exists(path) ? "token validation failed" : "could not create token";
                stderr.WriteLine($"choria: Could not run Choria: {verb}: {e.Message}");
                return 1;
            }
        });
        return cmd;
    }

    /// <summary>What a new token says.</summary>
    internal sealed record JwtRequest
    {
        public string Token { get; init; } = "";
        public bool Secure { get; init; } = true;
        public IReadOnlyList<string> Urls { get; init; } = [];
        public string SrvDomain { get; init; } = "";
        public bool ProvisionDefault { get; init; }
        public string RegistrationData { get; init; } = "";
        public string Facts { get; init; } = "";
    }

    /// <summary>Writes the signed token to <paramref name="path"/> (0644).</summary>
    internal static void Create(string path, string privateKeyPem, JwtRequest request, DateTimeOffset now)
    {
        if (request.Token.Length == 0)
        {
            throw new InvalidOperationException("a provisioning token is required");
        }

        if (request.SrvDomain.Length == 0 && request.Urls.Count == 0)
        {
            throw new InvalidOperationException("URLs or a SRV Domain is required");
        }

        using var key = CompactJwt.LoadPrivateKey(privateKeyPem);
        var jwt = CompactJwt.SignRs256(Claims(request, now), key);
        File.WriteAllText(path, jwt);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }
    }

    /// <summary>The claims in the order and with the omissions of Go's provisioning claims.</summary>
    internal static byte[] Claims(JwtRequest request, DateTimeOffset now)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            var unix = now.ToUnixTimeSeconds();
            w.WriteStartObject();
            w.WriteString("cht", request.Token);
            w.WriteBoolean("chs", request.Secure);
            WriteIfSet(w, "chu", string.Join(',', request.Urls));
            WriteIfSet(w, "chsrv", request.SrvDomain);
            w.WriteBoolean("chpd", request.ProvisionDefault);
            WriteIfSet(w, "chrd", request.RegistrationData);
            WriteIfSet(w, "chf", request.Facts);
            w.WriteNumber("iat", unix);
            w.WriteString("iss", "choria cli");
            w.WriteNumber("nbf", unix);
            w.WriteString("sub", "choria_provisioning");
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The report of a valid token; throws <see cref="FormatException"/> when it is not valid.</summary>
    internal static string Validate(string path, string certificatePem, DateTimeOffset now)
    {
        using var key = CompactJwt.LoadPublicKey(certificatePem);
        var claims = CompactJwt.Verify(File.ReadAllText(path), key, now);
        var parsed = ProvisioningJwt.Parse(File.ReadAllText(path));
        var sb = new StringBuilder();
        sb.Append("JWT Token ").Append(path).Append("\n\n");
        sb.Append("                         Token: ").Append(parsed.Token.Length > 0 ? "set" : "").Append('\n');
        sb.Append("                        Secure: ").Append(parsed.Secure ? "true" : "false").Append('\n');
        if (parsed.SrvDomain.Length > 0)
        {
            sb.Append("                    SRV Domain: ").Append(parsed.SrvDomain).Append('\n');
        }

        if (parsed.Urls.Length > 0)
        {
            sb.Append("                          URLS: ").Append(parsed.Urls).Append('\n');
        }

        sb.Append("       Provisioning by default: ").Append(parsed.ProvisionDefault ? "true" : "false").Append('\n');
        if (parsed.RegistrationData.Length > 0)
        {
            sb.Append("Provisioning Registration Data: ").Append(parsed.RegistrationData).Append('\n');
        }

        if (parsed.Facts.Length > 0)
        {
            sb.Append("            Provisioning Facts: ").Append(parsed.Facts).Append('\n');
        }

        sb.Append("              Standard Claims: ").Append(StandardClaims(claims)).Append('\n');
        return sb.ToString();
    }

    /// <summary>The registered claims as Go's <c>json.MarshalIndent</c> shows them: fixed order, empty ones left out.</summary>
    private static string StandardClaims(JsonElement claims)
    {
        var lines = new List<string>();
        foreach (var name in new[] { "aud", "exp", "jti", "iat", "iss", "nbf", "sub" })
        {
            if (claims.TryGetProperty(name, out var v) && v.ValueKind is not (JsonValueKind.Null or JsonValueKind.False)
                && !(v.ValueKind == JsonValueKind.String && v.GetString()!.Length == 0)
                && !(v.ValueKind == JsonValueKind.Number && v.GetRawText() == "0"))
            {
                lines.Add($"{ClaimsIndent}  \"{name}\": {v.GetRawText()}");
            }
        }

        return lines.Count == 0 ? "{}" : "{\n" + string.Join(",\n", lines) + "\n" + ClaimsIndent + "}";
    }

    private static void WriteIfSet(Utf8JsonWriter w, string name, string value)
    {
        if (value.Length > 0)
        {
            w.WriteString(name, value);
        }
    }

    /// <summary>Reads a secret without echo from a terminal, or a line from redirected input.</summary>
    private static string PromptSecret(string prompt)
    {
        if (Console.IsInputRedirected)
        {
            return Console.ReadLine()?.Trim() ?? "";
        }

        Console.Error.Write($"? {prompt} ");
        var sb = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                break;
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                if (sb.Length > 0)
                {
                    sb.Length--;
                }

                continue;
            }

            sb.Append(key.KeyChar);
        }

        Console.Error.WriteLine();
        return sb.ToString();
    }
}
