using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Choria.Security;

/// <summary>Behaviour shared by the file and puppet providers; subclasses only supply paths.</summary>
public abstract partial class X509SecurityProvider : ISecurityProvider
{
    private readonly SecurityPolicyOptions _policy;
    private readonly PatternList _allowList;
    private readonly PatternList _privileged;
    private readonly ParsedCertificateCache _parsed;
    private readonly PemFileCache _files;
    private readonly CertificateValidator _validator;
    private readonly ILogger _logger;
    private readonly Lock _cacheWriteLock = new();
    private readonly Lock _keyLock = new();
    private readonly BoundedMemo<string> _cachePaths;
    private RSA? _privateKey;
    private byte[]? _privateKeyDigest;
    private ClientCertificatePair? _clientCertificates;

    protected X509SecurityProvider(string identity, SecurityPolicyOptions policy, TimeProvider? time, ILogger? logger)
    {
        Identity = identity;
        _policy = policy;
        _allowList = new PatternList(policy.CertnameAllowList);
        _privileged = new PatternList(policy.PrivilegedUsers);
        _parsed = new ParsedCertificateCache(policy.ParsedCertificateCacheSize);
        _files = new PemFileCache(policy.ParsedCertificateCacheSize, policy.FileRecheckInterval, time ?? TimeProvider.System);
        _validator = new CertificateValidator(time ?? TimeProvider.System);
        _logger = logger ?? NullLogger.Instance;
        _cachePaths = new BoundedMemo<string>(1024, certname => Path.Combine(CacheDirectory, certname + ".pem"));
    }

    public string Identity { get; }

    public string CallerId => Security.CallerId.For(Identity);

    public abstract string CertificatePath { get; }

    public abstract string PrivateKeyPath { get; }

    public abstract string CaPath { get; }

    public abstract string CacheDirectory { get; }

    internal int ParsedCertificateCount => _parsed.Count;

    public string PublicCertPem
    {
        get
        {
            try
            {
                return File.ReadAllText(CertificatePath);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new SecurityConfigurationException($"cannot read public certificate {CertificatePath}: {e.Message}", e);
            }
        }
    }

    public IReadOnlyList<string> ValidateFiles()
    {
        var problems = new List<string>();
        Check("public certificate", CertificatePath);
        Check("private key", PrivateKeyPath);
        Check("CA", CaPath);
        return problems;

        void Check(string what, string path)
        {
            if (string.IsNullOrEmpty(path))
            {
                problems.Add($"{what} path is not configured");
            }
            else if (!File.Exists(path))
            {
                problems.Add($"{what} {path} does not exist");
            }
        }
    }

    public byte[] Sign(ReadOnlySpan<byte> data) =>
        PrivateKey().SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);

    public string SignToBase64(ReadOnlySpan<byte> data) => Convert.ToBase64String(Sign(data));

    public X509Certificate2Collection ClientCertificates()
    {
        var certificatePem = ReadPem("public certificate", CertificatePath);
        var keyPem = ReadPem("private key", PrivateKeyPath);
        var keyDigest = KeyDigest(keyPem);
        lock (_keyLock)
        {
            if (_clientCertificates is { } cached && cached.CertificatePem == certificatePem && cached.KeyDigest.AsSpan().SequenceEqual(keyDigest))
            {
                return cached.Certificates;
            }

            var certificates = new X509Certificate2Collection();
            try
            {
                certificates.ImportFromPem(certificatePem);
            }
            catch (CryptographicException e)
            {
                throw new SecurityConfigurationException($"cannot load public certificate {CertificatePath}: {e.Message}", e);
            }

            if (certificates.Count == 0)
            {
                throw new SecurityConfigurationException($"public certificate {CertificatePath} holds no certificate");
            }

            // CopyWithPrivateKey shares the key's OpenSSL handle: one import per process while the file is unchanged.
            var key = KeyFor(keyPem, keyDigest);
            var withoutKey = certificates[0];
            try
            {
                certificates[0] = withoutKey.CopyWithPrivateKey(key);
            }
            catch (Exception e) when (e is ArgumentException or CryptographicException)
            {
                throw new SecurityConfigurationException($"private key {PrivateKeyPath} does not match public certificate {CertificatePath}: {e.Message}", e);
            }
            finally
            {
                withoutKey.Dispose();
                if (!ReferenceEquals(key, _privateKey))
                {
                    key.Dispose();
                }
            }

            _clientCertificates = new ClientCertificatePair(certificatePem, keyDigest, certificates);
            return certificates;
        }
    }

    public void EnsureCacheDirectory() => UnixFiles.CreateDirectory(CacheDirectory, UnixFiles.Mode0755);

    public CertificateVerification VerifyCertificate(string pem, string name)
    {
        var loaded = Load(pem, out var certificate, out var ca);
        return loaded ?? _validator.Verify(certificate!, ca!, name);
    }

    public CacheDecision ShouldCacheClientCert(string pem, string callerCertname)
    {
        var reason = _parsed.TryGet(pem, out var certificate, out var error);
        return Decide(reason, error, certificate, callerCertname, out _);
    }

    public CacheDecision CacheClientCert(string pem, string callerCertname) =>
        Cache(ShouldCacheClientCert(pem, callerCertname), Encoding.UTF8.GetBytes(pem), out _);

    /// <param name="ca">The CA the chain was checked against, once it could be loaded.</param>
    private CacheDecision Decide(SecurityFailureReason parsed, string parseError, ParsedCertificate? certificate, string callerCertname, out ParsedCertificate? ca)
    {
        ca = null;
        if (parsed != SecurityFailureReason.None)
        {
            return Reject(parsed, parseError);
        }

        if (LoadCa(out ca) is { } unavailable)
        {
            return Reject(unavailable.Reason, unavailable.Message);
        }

        var chain = _validator.VerifyChain(certificate!, ca!);
        if (!chain.Valid)
        {
            return Reject(chain.Reason, chain.Message);
        }

        // What follows depends only on the certificate, the certname and this provider's fixed lists, and the same
        // caller sends request after request: its acceptance is decided once (four look-ups and an allocation each).
        if (certificate!.LastAccepted is { } known && string.Equals(known.Certname, callerCertname, StringComparison.Ordinal))
        {
            return known.Decision;
        }

        var decision = DecideName(certificate, callerCertname);
        if (decision.Accept)
        {
            certificate.LastAccepted = new AcceptedName(callerCertname, decision);
        }

        return decision;

        CacheDecision Reject(SecurityFailureReason reason, string message) => new(false, false, callerCertname, reason, message);
    }

    /// <summary>The privileged, name, case and allow-list checks of a certificate whose chain is valid.</summary>
    private CacheDecision DecideName(ParsedCertificate certificate, string callerCertname)
    {
        if (IsPrivileged(certificate, out var privilegedName))
        {
            return new CacheDecision(true, true, privilegedName, SecurityFailureReason.None, "");
        }

        var named = CertificateValidator.VerifyName(certificate, callerCertname);
        if (!named.Valid)
        {
            return Reject(named.Reason, named.Message);
        }

        // Host names match case-insensitively, caller ids do not: BOB.mcollective signed with bob's certificate
        // would be another caller to the authorization rules (a deny for bob would not apply) and another cache file.
        if (!WrittenAsCertificate(certificate, callerCertname))
        {
            return Reject(SecurityFailureReason.NameMismatch, $"certname {callerCertname} is not written in the case of the certificate's names");
        }

        return _allowList.Matches(callerCertname)
            ? new CacheDecision(true, false, callerCertname, SecurityFailureReason.None, "")
            : Reject(SecurityFailureReason.NotAllowed, $"certname {callerCertname} is not on the certname allow list");

        CacheDecision Reject(SecurityFailureReason reason, string message) => new(false, false, callerCertname, reason, message);
    }

    /// <summary>Writes an accepted certificate (<paramref name="pem"/>, as received) to the cache unless it is there.</summary>
    /// <param name="kept">The cache file and its stamp when it was there already and kept, the common case.</param>
    private CacheDecision Cache(CacheDecision decision, ReadOnlySpan<byte> pem, out CacheFile? kept)
    {
        kept = null;
        if (!decision.Accept)
        {
            LogCertificateRejected(_logger, decision.Name, decision.Message);
            return decision;
        }

        // A privileged certificate's CN or SAN could hold path characters; never let it escape the cache.
        if (decision.Name.Length == 0 || decision.Name.AsSpan().IndexOfAny('/', '\\', '\0') >= 0 || decision.Name is "." or "..")
        {
            return decision with { Accept = false, Reason = SecurityFailureReason.CacheNameInvalid, Message = $"cannot cache a certificate as '{decision.Name}'" };
        }

        var path = CachePath(decision.Name);

        // The common case, a caller seen before: its file exists and is kept, decided without the lock.
        if (!_policy.AlwaysOverwriteCache && _files.CurrentStamp(path) is { } stamp)
        {
            kept = new CacheFile(path, stamp);
            return decision;
        }

        try
        {
            lock (_cacheWriteLock)
            {
                var exists = File.Exists(path);
                if (exists && !_policy.AlwaysOverwriteCache)
                {
                    return decision;
                }

                if (exists && SHA256.HashData(File.ReadAllBytes(path)).AsSpan().SequenceEqual(SHA256.HashData(pem)))
                {
                    return decision;
                }

                EnsureCacheDirectory();
                UnixFiles.WriteFile(path, pem, UnixFiles.Mode0644);
                _files.Invalidate(path);
                LogCertificateCached(_logger, decision.Name, path);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return decision with { Accept = false, Reason = SecurityFailureReason.CacheWriteFailed, Message = $"could not cache {path}: {e.Message}" };
        }

        return decision;
    }

    // The cache is only a copy of what a client once sent: a file swapped or dropped in there on disk (a certificate
    // of another CA, or one for another name) must not become a key the server trusts.
    public bool VerifySignature(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature, string callerCertname) =>
        LoadCa(out var ca) is null && VerifySignature(data, signature, callerCertname, ca!, vetted: null, cached: null);

    /// <param name="ca">The CA, loaded for this verification.</param>
    /// <param name="vetted">
    /// A certificate that has just passed the chain check to <paramref name="ca"/> and the name checks for
    /// <paramref name="callerCertname"/>, in this same verification.
    /// </param>
    /// <param name="cached"><paramref name="callerCertname"/>'s cache file as just seen, when it was.</param>
    private bool VerifySignature(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature, string callerCertname, ParsedCertificate ca, ParsedCertificate? vetted, CacheFile? cached)
    {
        if (VerifyWithFile(cached ?? CurrentFile(CachePath(callerCertname)), data, signature, ca, callerCertname, vetted))
        {
            return true;
        }

        foreach (var (_, path) in PrivilegedCertificates())
        {
            if (VerifyWithFile(CurrentFile(path), data, signature, ca, forCertname: null, vetted: null))
            {
                LogPrivilegedSignature(_logger, callerCertname, path);
                return true;
            }
        }

        return false;
    }

    public IReadOnlyList<string> PrivilegedCertificateNames() => [.. PrivilegedCertificates().Select(p => p.Name)];

    public SecureRequestVerification VerifySecureRequest(string message, string signature, string pubcert, string callerId) =>
        VerifySecureRequest(Encoding.UTF8.GetBytes(message ?? ""), Encoding.UTF8.GetBytes(signature ?? ""), Encoding.UTF8.GetBytes(pubcert ?? ""), callerId);

    public SecureRequestVerification VerifySecureRequest(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature, ReadOnlySpan<byte> pubcert, string callerId)
    {
        if (_policy.Insecure)
        {
            return new SecureRequestVerification(SecurityFailureReason.None, "protocol security is disabled", false, null);
        }

        if (!Security.CallerId.TryParseCertname(callerId, out var certname))
        {
            return SecureRequestVerification.Fail(SecurityFailureReason.CallerIdInvalid, $"invalid callerid '{callerId}'");
        }

        // Authorization and audit see the whole callerid: text after the certname would make it another caller
        // than the one the certificate was checked for (a deny rule for choria=bob would not match "choria=bob x").
        if (callerId.Length != callerId.IndexOf('=', StringComparison.Ordinal) + 1 + certname.Length)
        {
            return SecureRequestVerification.Fail(SecurityFailureReason.CallerIdInvalid, $"invalid callerid '{callerId}': text after the certname", certname);
        }

        var parsed = _parsed.TryGetReceived(pubcert, out var certificate, out var parseError);
        // The CA the certificate was just checked against is the one its cached copy is checked against: loading it
        // once per request keeps the two checks on the same CA and saves a second look-up.
        var decision = Cache(Decide(parsed, parseError, certificate, certname, out var ca), pubcert, out var kept);
        if (!decision.Accept)
        {
            return SecureRequestVerification.Fail(decision.Reason, $"could not cache client public certificate for {certname}: {decision.Message}", certname);
        }

        Span<byte> decoded = stackalloc byte[MaxStackSignatureBytes];
        scoped ReadOnlySpan<byte> signatureBytes;
        if (Base64.DecodeFromUtf8(signature, decoded, out _, out var written) == OperationStatus.Done)
        {
            signatureBytes = decoded[..written];
        }
        else if (SecurityAlgorithms.TryDecodeBase64(Encoding.UTF8.GetString(signature), out var lenient))
        {
            // Longer keys, and what only the lenient decoder takes (line breaks inside the base64).
            signatureBytes = lenient;
        }
        else
        {
            return SecureRequestVerification.Fail(SecurityFailureReason.SignatureNotBase64, "signature is not valid base64", certname);
        }

        // The file just found in the cache is the one to verify with, unless it is a privileged name's.
        var cached = string.Equals(decision.Name, certname, StringComparison.Ordinal) ? kept : null;
        if (!VerifySignature(message, signatureBytes, certname, ca!, vetted: certificate, cached))
        {
            return SecureRequestVerification.Fail(SecurityFailureReason.SignatureInvalid, $"invalid signature for request from {certname}", certname);
        }

        return new SecureRequestVerification(SecurityFailureReason.None, "", decision.Privileged, certname);
    }

    // An RSA-8192 signature; anything longer takes the lenient decoder's array.
    private const int MaxStackSignatureBytes = 1024;

    private List<(string Name, string Path)> PrivilegedCertificates()
    {
        var found = new List<(string Name, string Path)>();
        if (!Directory.Exists(CacheDirectory))
        {
            return found;
        }

        try
        {
            foreach (var path in Directory.EnumerateFiles(CacheDirectory, "*", SearchOption.AllDirectories))
            {
                var file = Path.GetFileName(path);
                var name = file.EndsWith(".pem", StringComparison.Ordinal) ? file[..^4] : file;
                if (_privileged.Matches(name))
                {
                    found.Add((name, path));
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogCacheWalkFailed(_logger, CacheDirectory, e.Message);
        }

        found.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return found;
    }

    /// <summary>A name exactly as the certificate has it, or in lower case (what a wildcard or a CA's canonical form gives).</summary>
    private static bool WrittenAsCertificate(ParsedCertificate certificate, string certname) =>
        !certname.AsSpan().ContainsAnyInRange('A', 'Z') ||
        string.Equals(certificate.CommonName, certname, StringComparison.Ordinal) ||
        certificate.SanNames.DnsNames.Contains(certname, StringComparer.Ordinal);

    /// <summary>The subject CN, then each SAN DNS name, tried against <c>privileged_users</c>; the first match names it.</summary>
    private bool IsPrivileged(ParsedCertificate certificate, out string name)
    {
        if (_privileged.Matches(certificate.CommonName))
        {
            name = certificate.CommonName;
            return true;
        }

        foreach (var candidate in certificate.SanNames.DnsNames)
        {
            if (_privileged.Matches(candidate))
            {
                name = candidate;
                return true;
            }
        }

        name = "";
        return false;
    }

    /// <summary>
    /// Verifies with a cached certificate file that still chains to the CA and is either privileged or, with
    /// <paramref name="forCertname"/>, for that certname.
    /// </summary>
    private bool VerifyWithFile(CacheFile file, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature, ParsedCertificate ca, string? forCertname, ParsedCertificate? vetted)
    {
        var (path, stamp) = file;
        if (!_files.TryGet(path, stamp, out var parsed))
        {
            byte[] bytes;
            try
            {
                bytes = File.ReadAllBytes(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return false;
            }

            if (_parsed.TryGet(bytes, out parsed, out _) != SecurityFailureReason.None)
            {
                return false;
            }

            _files.Remember(path, stamp, parsed!);
        }

        // The usual case: the cached file holds the very certificate the request carried (parsed certificates are
        // shared by content), whose chain to this CA and names were checked a moment ago in this verification. Any
        // other file has its chain checked here, to the CA as it is now.
        var vettedNow = ReferenceEquals(parsed, vetted);
        var trusted = vettedNow || IsPrivileged(parsed!, out _) || (forCertname is not null && CertificateValidator.VerifyName(parsed!, forCertname).Valid);
        if (!trusted || (!vettedNow && !_validator.VerifyChain(parsed!, ca).Valid))
        {
            LogCachedCertificateUntrusted(_logger, path);
            return false;
        }

        return parsed!.PublicKey is { } key && SecurityAlgorithms.VerifyRsaSha256(key, data, signature);
    }

    /// <summary>The cache file of a certname.</summary>
    private string CachePath(string certname) => _cachePaths.Get(certname);

    private CertificateVerification? Load(string pem, out ParsedCertificate? certificate, out ParsedCertificate? ca)
    {
        ca = null;
        var reason = _parsed.TryGet(pem, out certificate, out var error);
        return reason != SecurityFailureReason.None ? new CertificateVerification(reason, error) : LoadCa(out ca);
    }

    private CertificateVerification? LoadCa(out ParsedCertificate? ca)
    {
        var caPath = CaPath;
        var stamp = _files.CurrentStamp(caPath);
        if (_files.TryGet(caPath, stamp, out ca))
        {
            return null;
        }

        byte[] caBytes;
        try
        {
            caBytes = File.ReadAllBytes(caPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return new CertificateVerification(SecurityFailureReason.CaUnavailable, $"cannot read CA {caPath}: {e.Message}");
        }

        var reason = _parsed.TryGet(caBytes, out ca, out var error);
        if (reason != SecurityFailureReason.None)
        {
            return new CertificateVerification(SecurityFailureReason.CaUnavailable, $"CA {caPath} is unusable: {error}");
        }

        _files.Remember(caPath, stamp, ca!);
        return null;
    }

    private RSA PrivateKey()
    {
        lock (_keyLock)
        {
            if (_privateKey is null)
            {
                var text = ReadPem("private key", PrivateKeyPath);
                return KeyFor(text, KeyDigest(text));
            }

            return _privateKey;
        }
    }

    /// <summary>
    /// The signing key when <paramref name="pem"/> is the file it was loaded from, and the signing key itself when
    /// none is loaded yet; otherwise (a renewed key file) a new key the caller owns. Called under the key lock.
    /// </summary>
    private RSA KeyFor(string pem, byte[] digest)
    {
        if (_privateKey is null)
        {
            _privateKey = ImportPrivateKey(pem);
            _privateKeyDigest = digest;
        }

        return digest.AsSpan().SequenceEqual(_privateKeyDigest) ? _privateKey : ImportPrivateKey(pem);
    }

    // Key files are told apart by digest, so the key's text is not kept in memory.
    private static byte[] KeyDigest(string pem) => SHA256.HashData(Encoding.UTF8.GetBytes(pem));

    private static string ReadPem(string what, string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new SecurityConfigurationException($"cannot read {what} {path}: {e.Message}", e);
        }
    }

    private RSA ImportPrivateKey(string pem)
    {
        // RSAOpenSsl rather than RSA.Create(): a certificate given this key shares its OpenSSL handle (see
        // ClientCertificates) where RSA.Create()'s wrapper would be exported and decoded once more.
        var rsa = OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? RSA.Create() : new RSAOpenSsl();
        try
        {
            // Accepts PKCS#1 "RSA PRIVATE KEY" and PKCS#8 "PRIVATE KEY".
            rsa.ImportFromPem(pem);
            return rsa;
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            rsa.Dispose();
            throw new SecurityConfigurationException($"cannot load RSA private key {PrivateKeyPath}: {e.Message}", e);
        }
    }

    private CacheFile CurrentFile(string path) => new(path, _files.CurrentStamp(path));

    /// <summary>A cache file and its stamp as of a moment ago (<see cref="PemFileCache.CurrentStamp"/>; null: not there).</summary>
    private readonly record struct CacheFile(string Path, FileStamp? Stamp);

    private sealed record ClientCertificatePair(string CertificatePem, byte[] KeyDigest, X509Certificate2Collection Certificates);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rejected client certificate for {Certname}: {Reason}")]
    private static partial void LogCertificateRejected(ILogger logger, string certname, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Cached client certificate {Name} in {Path}")]
    private static partial void LogCertificateCached(ILogger logger, string name, string path);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Request from {Certname} verified with privileged certificate {Path}")]
    private static partial void LogPrivilegedSignature(ILogger logger, string certname, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ignoring cached client certificate {Path}: it does not chain to the CA or is not for the name it is cached as")]
    private static partial void LogCachedCertificateUntrusted(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not list client certificate cache {Directory}: {Error}")]
    private static partial void LogCacheWalkFailed(ILogger logger, string directory, string error);
}
