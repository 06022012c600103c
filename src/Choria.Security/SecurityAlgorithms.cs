using System.Security.Cryptography;

namespace Choria.Security;

/// <summary>The v1 algorithms (docs/security.md).</summary>
internal static class SecurityAlgorithms
{
    /// <summary>Reply hash: base64 SHA-256 without newlines.</summary>
    public static string Sha256Base64(ReadOnlySpan<byte> data) => Convert.ToBase64String(SHA256.HashData(data));

    /// <summary>Decodes standard base64, tolerating the CR/LF wrapping Ruby's <c>encode64</c> adds.</summary>
    public static bool TryDecodeBase64(string text, out byte[] decoded)
    {
        try
        {
            decoded = Convert.FromBase64String(text);
            return true;
        }
        catch (FormatException)
        {
            decoded = [];
            return false;
        }
    }

    public static bool VerifyRsaSha256(RSA key, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        try
        {
            return key.VerifyData(data, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}
