using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Choria.Security;

/// <summary>
/// A PEM text parsed once: its certificates (leaf first), the leaf RSA public key and the time
/// windows in which a chain to a given CA set was already proven valid.
/// </summary>
internal sealed class ParsedCertificate
{
    private readonly ConcurrentDictionary<string, (DateTimeOffset From, DateTimeOffset To)> _chainWindows = new(StringComparer.Ordinal);

    public ParsedCertificate(string key, X509Certificate2[] certificates)
    {
        Key = key;
        Certificates = certificates;
        PublicKey = certificates[0].GetRSAPublicKey();
        SanNames = SubjectAltNames.Read(certificates[0]);
        CommonName = certificates[0].GetNameInfo(X509NameType.SimpleName, false);
    }

    /// <summary>Hex SHA-256 of the PEM bytes.</summary>
    public string Key { get; }

    public X509Certificate2[] Certificates { get; }

    public X509Certificate2 Leaf => Certificates[0];

    /// <summary>Null when the leaf key is not RSA (the 2020 Go verifier would crash; we reject).</summary>
    public RSA? PublicKey { get; }

    public SubjectAltNames SanNames { get; }

    public string CommonName { get; }

    public long LastUsed { get; set; }

    /// <summary>
    /// The certname this certificate was last accepted for, and how, by the provider whose cache holds it (a parsed
    /// certificate belongs to one provider, whose lists do not change). Null until then.
    /// </summary>
    public AcceptedName? LastAccepted { get; set; }

    public bool ChainKnownValid(string caKey, DateTimeOffset at) =>
        _chainWindows.TryGetValue(caKey, out var window) && at >= window.From && at <= window.To;

    public void RememberValidChain(string caKey, DateTimeOffset from, DateTimeOffset to) => _chainWindows[caKey] = (from, to);

    // Names this certificate was found valid for. A wildcard certificate is valid for endless names, so only the first
    // few are remembered; the rest are checked each time.
    private const int RememberedNames = 64;
    private readonly ConcurrentDictionary<string, bool> _validNames = new(StringComparer.Ordinal);

    public bool KnownValidFor(string name) => _validNames.ContainsKey(name);

    public void RememberValidFor(string name)
    {
        if (_validNames.Count < RememberedNames)
        {
            _validNames.TryAdd(name, true);
        }
    }
}

/// <summary>A certname a certificate was accepted for, and the decision that accepted it.</summary>
internal sealed record AcceptedName(string Certname, CacheDecision Decision);

/// <summary>Parses PEM certificate text, failing closed: no CERTIFICATE block means no certificate.</summary>
internal static class PemCertificates
{
    public static SecurityFailureReason TryParse(ReadOnlySpan<char> pem, out X509Certificate2[] certificates, out string error)
    {
        certificates = [];
        var found = new List<X509Certificate2>();
        var rest = pem;
        while (PemEncoding.TryFind(rest, out var fields))
        {
            var label = rest[fields.Label];
            if (label.SequenceEqual("CERTIFICATE"))
            {
                var der = new byte[fields.DecodedDataLength];
                if (!Convert.TryFromBase64Chars(rest[fields.Base64Data], der, out var written))
                {
                    Dispose(found);
                    error = "certificate PEM block is not valid base64";
                    return SecurityFailureReason.CertificateUnparsable;
                }

                try
                {
                    found.Add(X509CertificateLoader.LoadCertificate(der.AsSpan(0, written)));
                }
                catch (CryptographicException e)
                {
                    Dispose(found);
                    error = "could not parse certificate: " + e.Message;
                    return SecurityFailureReason.CertificateUnparsable;
                }
            }

            rest = rest[fields.Location.End..];
        }

        if (found.Count == 0)
        {
            error = "no PEM CERTIFICATE block found";
            return SecurityFailureReason.CertificateNotPem;
        }

        certificates = [.. found];
        error = "";
        return SecurityFailureReason.None;
    }

    private static void Dispose(List<X509Certificate2> certificates)
    {
        foreach (var certificate in certificates)
        {
            certificate.Dispose();
        }
    }
}

/// <summary>
/// Bounded, thread-safe cache of parsed PEM texts keyed by their SHA-256: parsing costs about
/// a hundred signature verifications, and the same few client certificates arrive all day.
/// </summary>
internal sealed class ParsedCertificateCache
{
    private readonly ConcurrentDictionary<string, ParsedCertificate> _entries = new(StringComparer.Ordinal);
    private readonly int _capacity;
    private readonly Lock _evictLock = new();
    private long _clock;

    public ParsedCertificateCache(int capacity) => _capacity = Math.Max(1, capacity);

    public int Count => _entries.Count;

    public static string KeyOf(ReadOnlySpan<byte> pemBytes) => Convert.ToHexStringLower(SHA256.HashData(pemBytes));

    // The same client certificate arrives with request after request; comparing its bytes with the last one's is far
    // cheaper than hashing them to find the entry.
    private sealed record LastBytes(byte[] Pem, ParsedCertificate Parsed);

    private LastBytes? _lastBytes;

    public SecurityFailureReason TryGet(string pem, out ParsedCertificate? parsed, out string error) =>
        TryGetReceived(System.Text.Encoding.UTF8.GetBytes(pem), out parsed, out error);

    /// <summary>A certificate as a client sends it (<c>pubcert</c>): the last one seen compares equal before any hashing.</summary>
    public SecurityFailureReason TryGetReceived(ReadOnlySpan<byte> pemBytes, out ParsedCertificate? parsed, out string error)
    {
        if (Volatile.Read(ref _lastBytes) is { } last && pemBytes.SequenceEqual(last.Pem))
        {
            parsed = last.Parsed;
            parsed.LastUsed = Interlocked.Increment(ref _clock);
            error = "";
            return SecurityFailureReason.None;
        }

        var reason = TryGet(pemBytes, out parsed, out error);
        if (reason == SecurityFailureReason.None)
        {
            Volatile.Write(ref _lastBytes, new LastBytes(pemBytes.ToArray(), parsed!));
        }

        return reason;
    }

    public SecurityFailureReason TryGet(ReadOnlySpan<byte> pemBytes, out ParsedCertificate? parsed, out string error)
    {
        var key = KeyOf(pemBytes);
        if (_entries.TryGetValue(key, out parsed))
        {
            parsed.LastUsed = Interlocked.Increment(ref _clock);
            error = "";
            return SecurityFailureReason.None;
        }

        var text = System.Text.Encoding.UTF8.GetString(pemBytes);
        var reason = PemCertificates.TryParse(text, out var certificates, out error);
        if (reason != SecurityFailureReason.None)
        {
            return reason;
        }

        try
        {
            // Certificates whose DER parses can still carry an undecodable key.
            parsed = new ParsedCertificate(key, certificates) { LastUsed = Interlocked.Increment(ref _clock) };
        }
        catch (CryptographicException e)
        {
            foreach (var certificate in certificates)
            {
                certificate.Dispose();
            }

            error = "could not read certificate public key: " + e.Message;
            return SecurityFailureReason.CertificateUnparsable;
        }

        parsed = _entries.GetOrAdd(key, parsed);
        if (_entries.Count > _capacity)
        {
            Evict();
        }

        return SecurityFailureReason.None;
    }

    // Evicted entries are not disposed: another thread may still be verifying with them.
    private void Evict()
    {
        lock (_evictLock)
        {
            var excess = _entries.Count - _capacity;
            if (excess <= 0)
            {
                return;
            }

            // Drop the least recently used quarter so eviction runs rarely.
            var drop = Math.Max(excess, _capacity / 4);
            foreach (var entry in _entries.Values.OrderBy(e => e.LastUsed).Take(drop).ToList())
            {
                _entries.TryRemove(entry.Key, out _);
            }
        }
    }
}
