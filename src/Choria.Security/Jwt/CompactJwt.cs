using System.Buffers.Text;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;

namespace Choria.Security.Jwt;

/// <summary>
/// Compact JWS with RSA signatures (RS256/384/512), enough for provisioning tokens: .NET has RSA and base64url in
/// the box, so no JWT library is needed (docs/adr/0009-hand-written-compact-jwt.md).
/// </summary>
public static class CompactJwt
{
    /// <summary>The header Go's jwt-go writes for RS256.</summary>
    private static readonly byte[] s_rs256Header = """{"alg":"RS256","typ":"JWT"}"""u8.ToArray();

    /// <summary>Signs <paramref name="claimsJson"/> (a JSON object) with RS256.</summary>
    public static string SignRs256(ReadOnlySpan<byte> claimsJson, RSA key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var signingInput = Base64Url.EncodeToString(s_rs256Header) + "." + Base64Url.EncodeToString(claimsJson);
        var signature = key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return signingInput + "." + Base64Url.EncodeToString(signature);
    }

    /// <summary>
    /// Verifies an RS* token with <paramref name="key"/> and its <c>exp</c>/<c>nbf</c> claims at <paramref name="now"/>,
    /// returning the claims; throws <see cref="FormatException"/> saying why it is not valid.
    /// </summary>
    public static JsonElement Verify(string token, RSA key, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(token);
        ArgumentNullException.ThrowIfNull(key);
        var parts = token.Trim().Split('.');
        if (parts.Length != 3)
        {
            throw new FormatException("token contains an invalid number of segments");
        }

        var header = DecodeObject(parts[0], "header");
        var alg = header.TryGetProperty("alg", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString() : null;
        var hash = alg switch
        {
            "RS256" => HashAlgorithmName.SHA256,
            "RS384" => HashAlgorithmName.SHA384,
            "RS512" => HashAlgorithmName.SHA512,
            _ => throw new FormatException($"unsupported signing method {alg ?? "(none)"} in token, only RS256, RS384 and RS512 are accepted"),
        };

        byte[] signature;
        try
        {
            signature = Base64Url.DecodeFromChars(parts[2]);
        }
        catch (FormatException e)
        {
            throw new FormatException($"signature is not valid base64url: {e.Message}", e);
        }

        if (!key.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), signature, hash, RSASignaturePadding.Pkcs1))
        {
            throw new FormatException("crypto/rsa: verification error");
        }

        var claims = DecodeObject(parts[1], "claims");
        var unix = now.ToUnixTimeSeconds();
        if (claims.TryGetProperty("exp", out var exp) && exp.TryGetInt64(out var expires) && unix > expires)
        {
            throw new FormatException($"token is expired by {unix - expires}s");
        }

        if (claims.TryGetProperty("nbf", out var nbf) && nbf.TryGetInt64(out var notBefore) && unix < notBefore)
        {
            throw new FormatException("token is not valid yet");
        }

        return claims;
    }

    /// <summary>An RSA public key from a PEM certificate or a PEM public key.</summary>
    public static RSA LoadPublicKey(string pem)
    {
        if (pem.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal))
        {
            using var cert = X509Certificate2.CreateFromPem(pem);
            return cert.GetRSAPublicKey() ?? throw new FormatException("Key is not a valid RSA public key");
        }

        var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(pem);
            return rsa;
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            rsa.Dispose();
            throw new FormatException("Key is not a valid RSA public key", e);
        }
    }

    /// <summary>An RSA private key from PKCS#1 or PKCS#8 PEM.</summary>
    public static RSA LoadPrivateKey(string pem)
    {
        var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(pem);
            // A public key imports too but cannot sign; find out now rather than at signing time.
            _ = rsa.ExportParameters(includePrivateParameters: true);
            return rsa;
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            rsa.Dispose();
            throw new FormatException("Invalid Key: Key must be PEM encoded PKCS1 or PKCS8 private key", e);
        }
    }

    private static JsonElement DecodeObject(string part, string what)
    {
        try
        {
            var json = Base64Url.DecodeFromChars(part);

            // The document checks structure only: a claim holding invalid UTF-8 would throw when read.
            if (!System.Text.Unicode.Utf8.IsValid(json))
            {
                throw new FormatException($"token {what} is not valid UTF-8");
            }

            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException($"token {what} is not a JSON object");
            }

            return doc.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new FormatException($"token {what} is not valid JSON: {e.Message}", e);
        }
    }
}
