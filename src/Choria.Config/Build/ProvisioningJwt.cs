using System.Buffers.Text;
using System.Text.Json;

namespace Choria.Config.Build;

/// <summary>
/// Reads a provisioning JWT without verifying its signature (the node has no key to verify it with, server.md
/// behaviour kept) and applies its claims over the build settings.
/// </summary>
public static class ProvisioningJwt
{
    /// <summary>Decodes the claims of a compact JWT; throws <see cref="FormatException"/> with Go's texts when it is unusable.</summary>
    public static ProvisioningClaims Parse(string token)
    {
        var parts = token.Trim().Split('.');
        if (parts.Length != 3)
        {
            throw new FormatException("jwt parse error: token contains an invalid number of segments");
        }

        JsonElement claims;
        try
        {
            var json = Base64Url.DecodeFromChars(parts[1]);

            // The document checks structure only: a claim holding invalid UTF-8 would throw when read (found by fuzzing).
            if (!System.Text.Unicode.Utf8.IsValid(json))
            {
                throw new FormatException("claims are not valid UTF-8");
            }

            using var doc = JsonDocument.Parse(json);
            claims = doc.RootElement.Clone();
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            throw new FormatException($"jwt parse error: {e.Message}", e);
        }

        if (claims.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("jwt parse error: claims are not a JSON object");
        }

        return new ProvisioningClaims
        {
            Token = Str(claims, "cht"),
            Secure = Bool(claims, "chs"),
            Urls = Str(claims, "chu"),
            SrvDomain = Str(claims, "chsrv"),
            ProvisionDefault = Bool(claims, "chpd"),
            RegistrationData = Str(claims, "chrd"),
            Facts = Str(claims, "chf"),
            All = claims,
        };
    }

    /// <summary>Parses and checks a token: a token, and exactly one of broker URLs or SRV domain.</summary>
    public static ProvisioningClaims ParseAndCheck(string token)
    {
        var claims = Parse(token);
        if (claims.Token.Length == 0)
        {
            throw new FormatException("no auth token");
        }

        if (claims.SrvDomain.Length == 0 && claims.Urls.Length == 0)
        {
            throw new FormatException("no srv domain or urls");
        }

        if (claims.SrvDomain.Length > 0 && claims.Urls.Length > 0)
        {
            throw new FormatException("both srv domain and URLs supplied");
        }

        return claims;
    }

    /// <summary>
    /// When <see cref="BuildSettings.ProvisionJwtFile"/> names an existing file, applies its claims to
    /// <paramref name="build"/>. Returns null when there was nothing to apply or it applied, else the reason it
    /// did not (the settings are then unchanged).
    /// </summary>
    public static string? Apply(BuildSettings build)
    {
        ArgumentNullException.ThrowIfNull(build);
        var file = build.ProvisionJwtFile;
        if (file.Length == 0 || !File.Exists(file))
        {
            return null;
        }

        ProvisioningClaims claims;
        try
        {
            claims = ParseAndCheck(File.ReadAllText(file));
        }
        catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException)
        {
            return e.Message;
        }

        build.ProvisionBrokerUrls = claims.Urls;
        build.ProvisionToken = claims.Token;
        build.ProvisionBrokerSrvDomain = claims.SrvDomain;
        build.ProvisionDefault = claims.ProvisionDefault;
        build.ProvisionSecure = claims.Secure;
        if (claims.Facts.Length > 0)
        {
            build.ProvisionFacts = claims.Facts;
        }

        if (claims.RegistrationData.Length > 0)
        {
            build.ProvisionRegistrationData = claims.RegistrationData;
        }

        return null;
    }

    private static string Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() ?? "" : "";

    private static bool Bool(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.True;
}
