using System.Formats.Asn1;
using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace Choria.Security;

/// <summary>The SAN entries hostname and email checks need; .NET exposes no email accessor.</summary>
internal sealed record SubjectAltNames(bool Present, string[] DnsNames, string[] Emails, IPAddress[] Addresses)
{
    private const string SanOid = "2.5.29.17";

    public static SubjectAltNames Read(X509Certificate2 certificate)
    {
        var extension = certificate.Extensions[SanOid];
        if (extension is null)
        {
            return new SubjectAltNames(false, [], [], []);
        }

        var dns = new List<string>();
        var emails = new List<string>();
        var addresses = new List<IPAddress>();
        try
        {
            var reader = new AsnReader(extension.RawData, AsnEncodingRules.DER);
            var names = reader.ReadSequence();
            while (names.HasData)
            {
                var tag = names.PeekTag();
                if (tag.TagClass != TagClass.ContextSpecific)
                {
                    names.ReadEncodedValue();
                    continue;
                }

                switch (tag.TagValue)
                {
                    case 1:
                        emails.Add(names.ReadCharacterString(UniversalTagNumber.IA5String, tag));
                        break;
                    case 2:
                        dns.Add(names.ReadCharacterString(UniversalTagNumber.IA5String, tag));
                        break;
                    case 7:
                        addresses.Add(new IPAddress(names.ReadOctetString(tag)));
                        break;
                    default:
                        names.ReadEncodedValue();
                        break;
                }
            }
        }
        catch (Exception e) when (e is AsnContentException or ArgumentException)
        {
            // A malformed SAN extension still counts as present, so the CN fallback stays off (as in Go).
        }

        return new SubjectAltNames(true, [.. dns], [.. emails], [.. addresses]);
    }
}

/// <summary>Go 1.13 <c>Certificate.VerifyHostname</c>.</summary>
internal static class HostnameRules
{
    public static bool Matches(ParsedCertificate certificate, string host)
    {
        var candidate = host.Length >= 3 && host[0] == '[' && host[^1] == ']' ? host[1..^1] : host;
        if (IPAddress.TryParse(candidate, out var ip) && LooksLikeIp(candidate))
        {
            return certificate.SanNames.Addresses.Any(a => a.Equals(ip));
        }

        var lowered = candidate.ToLowerInvariant();
        if (!certificate.SanNames.Present)
        {
            return ValidHostname(certificate.CommonName) && MatchHostnames(certificate.CommonName.ToLowerInvariant(), lowered);
        }

        return certificate.SanNames.DnsNames.Any(d => MatchHostnames(d.ToLowerInvariant(), lowered));
    }

    public static string Describe(ParsedCertificate certificate) =>
        certificate.SanNames.Present ? string.Join(", ", certificate.SanNames.DnsNames) : certificate.CommonName;

    // IPAddress.TryParse accepts forms like "1" that Go's net.ParseIP does not.
    private static bool LooksLikeIp(string candidate) =>
        candidate.Contains(':', StringComparison.Ordinal) || candidate.Count(c => c == '.') == 3;

    private static bool ValidHostname(string name)
    {
        if (name.Length == 0)
        {
            return false;
        }

        var labels = name.TrimEnd('.').Split('.');
        for (var i = 0; i < labels.Length; i++)
        {
            var label = labels[i];
            if (label.Length == 0 || (i == 0 && label == "*"))
            {
                if (label.Length == 0)
                {
                    return false;
                }

                continue;
            }

            if (!label.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or ':'))
            {
                return false;
            }
        }

        return true;
    }

    private static bool MatchHostnames(string pattern, string host)
    {
        pattern = pattern.TrimEnd('.');
        host = host.TrimEnd('.');
        if (pattern.Length == 0 || host.Length == 0)
        {
            return false;
        }

        var patternParts = pattern.Split('.');
        var hostParts = host.Split('.');
        if (patternParts.Length != hostParts.Length)
        {
            return false;
        }

        for (var i = 0; i < patternParts.Length; i++)
        {
            if (i == 0 && patternParts[i] == "*")
            {
                continue;
            }

            if (!string.Equals(patternParts[i], hostParts[i], StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }
}
