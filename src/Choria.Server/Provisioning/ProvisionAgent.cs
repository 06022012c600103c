using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Choria.Config;
using Choria.Config.Build;
using Choria.Server.Agents;
using Choria.Server.Agents.Builtin;
using Microsoft.Extensions.Logging;

namespace Choria.Server.Provisioning;

/// <summary>
/// The <c>choria_provision</c> agent (docs/provisioning.md): lets a provisioner give a node in provisioning mode its
/// key, certificate and configuration, restart it into the real collective, and later send it back. Actions that
/// change the node run one at a time. <c>release_update</c> is not implemented (the DDL lists it; calling it answers
/// "Unknown action").
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "The semaphore never allocates a wait handle and lives as long as the agent.")]
public sealed partial class ProvisionAgent
{
    public const string Name = "choria_provision";

    private const UnixFileMode Mode0644 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private const UnixFileMode Mode0640 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;
    private const UnixFileMode Mode0771 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    private readonly ProvisionAgentOptions _options;
    private readonly IProvisionHost _host;
    private readonly ILogger _logger;
    private readonly TimeProvider _clock;
    private readonly Func<int, int> _random;
    private readonly SemaphoreSlim _lock = new(1, 1);

    private ProvisionAgent(ProvisionAgentOptions options, IProvisionHost host, ILogger logger, TimeProvider clock, Func<int, int> random)
    {
        _options = options;
        _host = host;
        _logger = logger;
        _clock = clock;
        _random = random;
    }

    /// <param name="random">Returns a value in [0, n): the restart splay; tests pin it.</param>
    public static McorpcAgent Create(ProvisionAgentOptions options, IProvisionHost host, McorpcAgentOptions mcorpc, ILogger logger, TimeProvider? clock = null, Func<int, int>? random = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var impl = new ProvisionAgent(options, host, logger, clock ?? TimeProvider.System, random ?? Random.Shared.Next);
        var metadata = BuiltinMetadata.Create(Name, "Choria Provisioner", 20, options.Build.Version);
        var agent = new McorpcAgent(metadata, BuiltinMetadata.Ddl(Name), mcorpc, logger);
        agent.RegisterAction("gencsr", (req, ct) => impl.LockedAsync(req, impl.GenCsr, ct));
        agent.RegisterAction("configure", (req, ct) => impl.LockedAsync(req, impl.ConfigureAsync, ct));
        agent.RegisterAction("restart", (req, ct) => impl.LockedAsync(req, impl.Restart, ct));
        agent.RegisterAction("reprovision", (req, ct) => impl.LockedAsync(req, impl.Reprovision, ct));
        agent.RegisterAction("jwt", (req, ct) => impl.LockedAsync(req, impl.Jwt, ct));
        return agent;
    }

    private async ValueTask<ActionReply> LockedAsync(ActionRequest request, Func<ActionRequest, ActionReply> action, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            return action(request);
        }
        finally
        {
            _lock.Release();
        }
    }

    private async ValueTask<ActionReply> LockedAsync(ActionRequest request, Func<ActionRequest, CancellationToken, Task<ActionReply>> action, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            return await action(request, cancellationToken);
        }
        finally
        {
            _lock.Release();
        }
    }

    private static ActionReply Abort(string message) => ActionReply.Fail(RpcStatus.Aborted, message);

    private static ActionReply Message(string message) => ActionReply.Ok(new JsonObject { ["message"] = message });

    /// <summary>Null when the token is acceptable: no token configured, or the same one supplied.</summary>
    private ActionReply? CheckToken(ActionRequest request)
    {
        if (_options.Token.Length == 0 || Input(request, "token") == _options.Token)
        {
            return null;
        }

        LogBadToken(request.CallerId, request.Action, request.RequestId);
        return Abort("Incorrect provision token supplied");
    }

    private ActionReply GenCsr(ActionRequest request)
    {
        if (!_options.ProvisioningMode)
        {
            return Abort("Cannot reconfigure a server that is not in provisioning mode");
        }

        if (_options.ConfigFile.Length == 0 && _options.SslDir.Length == 0)
        {
            return Abort("Cannot determine where to store SSL data, no configure file given and no SSL directory configured");
        }

        if (CheckToken(request) is { } denied)
        {
            return denied;
        }

        var sslDir = _options.SslDir.Length > 0 ? _options.SslDir : Path.Combine(Path.GetDirectoryName(_options.ConfigFile) ?? "", "ssl");
        LogCreatingCsr(sslDir);
        try
        {
            CreateDirectory(sslDir, Mode0771);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Abort($"Could not create SSL Directory {sslDir}: {e.Message}");
        }

        var cn = Input(request, "cn");
        var subject = new X500DistinguishedNameBuilder();
        // Go's pkix.Name order; ST is ignored as in 2020 (a documented quirk).
        AddIfSet(Input(request, "C"), subject.AddCountryOrRegion);
        AddIfSet(Input(request, "O"), v => subject.AddOrganizationName(v));
        AddIfSet(Input(request, "OU"), v => subject.AddOrganizationalUnitName(v));
        AddIfSet(Input(request, "L"), v => subject.AddLocalityName(v));
        subject.AddCommonName(cn.Length > 0 ? cn : _options.Certname);

        using var key = RSA.Create(2048);
        var keyFile = Path.Combine(sslDir, "private.pem");
        var csrFile = Path.Combine(sslDir, "csr.pem");
        try
        {
            WriteFile(keyFile, key.ExportRSAPrivateKeyPem() + "\n", Mode0640);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Abort($"Could not store private key: {e.Message}");
        }

        var csr = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).CreateSigningRequestPem() + "\n";
        try
        {
            WriteFile(csrFile, csr, Mode0644);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Abort($"Could not store CSR: {e.Message}");
        }

        return ActionReply.Ok(new JsonObject { ["csr"] = csr, ["ssldir"] = sslDir });
    }

    private async Task<ActionReply> ConfigureAsync(ActionRequest request, CancellationToken cancellationToken)
    {
        if (!_options.ProvisioningMode)
        {
            return Abort("Cannot reconfigure a server that is not in provisioning mode");
        }

        if (_options.ConfigFile.Length == 0)
        {
            return Abort("Cannot determine the configuration file to manage");
        }

        if (CheckToken(request) is { } denied)
        {
            return denied;
        }

        var text = Input(request, "config");
        if (text.Length == 0)
        {
            return Abort("Did not receive any configuration to write, cannot write a empty configuration file");
        }

        List<KeyValuePair<string, string>> settings;
        try
        {
            settings = DecodeSettings(text);
        }
        catch (Exception e) when (e is JsonException or FormatException)
        {
            return Abort($"Could not decode configuration data: {e.Message}");
        }

        // The new file is written and checked first, certificates next, and only then does it replace the old
        // one: a node whose provisioning fails half way keeps its configuration and stays in provisioning mode.
        PreparedConfig prepared;
        try
        {
            prepared = PrepareConfig(settings, request);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ConfigException)
        {
            return Abort($"Could not write config: {e.Message}");
        }

        using (prepared)
        {
            var certificate = Input(request, "certificate");
            var ca = Input(request, "ca");
            var sslDir = Input(request, "ssldir");
            if (certificate.Length > 0 && ca.Length > 0 && sslDir.Length > 0)
            {
                if (WriteCertificates(sslDir, certificate, ca) is { } failed)
                {
                    return failed;
                }
            }

            try
            {
                prepared.Commit();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return Abort($"Could not write config: {e.Message}");
            }
        }

        await _host.PublishProvisionedAsync(cancellationToken);
        return Message($"Wrote {settings.Count + 1} lines to {_options.ConfigFile}");
    }

    private static ActionReply? WriteCertificates(string sslDir, string certificate, string ca)
    {
        try
        {
            CreateDirectory(sslDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Abort($"Could not create ssl directory {sslDir}: {e.Message}");
        }

        var target = Path.Combine(sslDir, "certificate.pem");
        try
        {
            WriteFile(target, certificate, Mode0644);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Abort($"Could not write Certificate to {target}: {e.Message}");
        }

        target = Path.Combine(sslDir, "ca.pem");
        try
        {
            WriteFile(target, ca, Mode0644);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Abort($"Could not write CA to {target}: {e.Message}");
        }

        return null;
    }

    private ActionReply Restart(ActionRequest request)
    {
        if (!_options.ProvisioningMode && _options.Token.Length == 0)
        {
            return Abort("Cannot restart a server that is not in provisioning mode or with no token set");
        }

        if (CheckToken(request) is { } denied)
        {
            return denied;
        }

        try
        {
            var reread = ConfigLoader.Load(_options.ConfigFile, new ConfigLoadOptions { Role = ConfigRole.Server, Build = _options.Build.Copy() }).Config;
            if (ProvisioningConfig.IsEnabled(reread))
            {
                return Abort($"Configuration {_options.ConfigFile} enables provisioning, restart cannot continue");
            }
        }
        catch (ConfigException e)
        {
            return Abort($"Configuration {_options.ConfigFile} could not be parsed, restart cannot continue: {e.Message}");
        }

        var splay = request.Data.TryGetProperty("splay", out var s) && s.ValueKind == JsonValueKind.Number && s.TryGetDouble(out var d) && d >= 1 ? (int)d : 10;
        var delay = TimeSpan.FromSeconds(_random(splay)) + _options.RestartPause;
        LogRestarting(request.RequestId, request.CallerId, request.SenderId, delay.TotalSeconds);
        _host.ScheduleRestart(delay);
        return Message($"Restarting Choria Server after {Seconds(delay)}");
    }

    private ActionReply Reprovision(ActionRequest request)
    {
        if (_options.ProvisioningMode)
        {
            return Abort("Server is already in provisioning mode, cannot enable provisioning mode again");
        }

        if (_options.ConfigFile.Length == 0)
        {
            return Abort("Cannot determine the configuration file to manage");
        }

        if (CheckToken(request) is { } denied)
        {
            return denied;
        }

        try
        {
            using var prepared = PrepareConfig(_options.ReprovisionSettings, request);
            prepared.Commit();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ConfigException)
        {
            return Abort($"Could not write config: {e.Message}");
        }

        var delay = TimeSpan.FromSeconds(_random(_options.ReprovisionSplay)) + _options.RestartPause;
        LogRestarting(request.RequestId, request.CallerId, request.SenderId, delay.TotalSeconds);
        _host.ScheduleRestart(delay);
        return Message($"Restarting after {Seconds(delay)}");
    }

    private ActionReply Jwt(ActionRequest request)
    {
        if (_options.JwtFile.Length == 0)
        {
            return Abort("No Provisioning JWT file has been configured");
        }

        if (!File.Exists(_options.JwtFile))
        {
            return Abort("Provisioning JWT file does not exist");
        }

        if (CheckToken(request) is { } denied)
        {
            return denied;
        }

        try
        {
            return ActionReply.Ok(new JsonObject { ["jwt"] = File.ReadAllText(_options.JwtFile) });
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Abort($"Could not read Provisioning JWT file: {e.Message}");
        }
    }

    /// <summary>
    /// A JSON object of string values, in document order. Keys and values with line breaks are refused: written as
    /// <c>key=value</c> lines they would smuggle in settings nobody asked for.
    /// </summary>
    internal static List<KeyValuePair<string, string>> DecodeSettings(string json)
    {
        using var doc = JsonDocument.Parse(json);
        if (doc.RootElement.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"expected a JSON object of strings, got {doc.RootElement.ValueKind.ToString().ToLowerInvariant()}");
        }

        var settings = new List<KeyValuePair<string, string>>();
        foreach (var p in doc.RootElement.EnumerateObject())
        {
            if (p.Value.ValueKind != JsonValueKind.String)
            {
                var kind = p.Value.ValueKind.ToString().ToLowerInvariant();
                throw new FormatException($"the value of {p.Name} is {(kind is "array" or "object" ? "an" : "a")} {kind}, expected a string");
            }

            var value = p.Value.GetString() ?? "";
            if (p.Name.AsSpan().IndexOfAny('\r', '\n') >= 0 || value.AsSpan().IndexOfAny('\r', '\n') >= 0 || p.Name.Contains('=', StringComparison.Ordinal))
            {
                throw new FormatException($"setting {p.Name.ReplaceLineEndings(" ")} cannot be written as one key=value line");
            }

            settings.Add(new(p.Name, value));
        }

        return settings;
    }

    /// <summary>Writes the settings to a temporary file beside the configuration and parses it back.</summary>
    private PreparedConfig PrepareConfig(IReadOnlyList<KeyValuePair<string, string>> settings, ActionRequest request)
    {
        var target = _options.ConfigFile;
        if (File.Exists(target) && File.ResolveLinkTarget(target, returnFinalTarget: true) is { } link)
        {
            target = link.FullName;
        }

        LogRewriting(target, request.RequestId, request.CallerId, request.SenderId);
        var dir = Path.GetDirectoryName(Path.GetFullPath(target)) ?? ".";
        var temp = Path.Combine(dir, "provision" + RandomNumberGenerator.GetHexString(10, lowercase: true));
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"# configuration file written in request {request.RequestId} from {request.CallerId} ({request.SenderId}) at {_clock.GetLocalNow():yyyy-MM-dd HH:mm:ss.fffffff zzz}\n");
        foreach (var (key, value) in settings)
        {
            LogAdding(key, value);
            text.Append(key).Append('=').Append(value).Append('\n');
        }

        WriteFile(temp, text.ToString(), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var prepared = new PreparedConfig(temp, target);
        try
        {
            ConfigLoader.Load(temp, new ConfigLoadOptions { Role = ConfigRole.Server, Build = _options.Build.Copy() });
        }
        catch (ConfigException e)
        {
            prepared.Dispose();
            throw new ConfigException($"generated configuration could not be parsed: {e.Message}", e);
        }

        return prepared;
    }

    private static string Input(ActionRequest request, string name) =>
        request.Data.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() ?? "" : "";

    private static void AddIfSet(string value, Action<string> add)
    {
        if (value.Length > 0)
        {
            add(value);
        }
    }

    private static string Seconds(TimeSpan delay) => string.Create(CultureInfo.InvariantCulture, $"{(int)delay.TotalSeconds}s");

    private static void CreateDirectory(string path, UnixFileMode mode)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            Directory.CreateDirectory(path, mode);
        }
    }

    /// <summary>Writes <paramref name="text"/> creating the file with <paramref name="mode"/>, or setting it on an existing one.</summary>
    private static void WriteFile(string path, string text, UnixFileMode mode)
    {
        if (OperatingSystem.IsWindows())
        {
            File.WriteAllText(path, text);
            return;
        }

        using (var stream = new FileStream(path, new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = mode }))
        {
            stream.Write(Encoding.UTF8.GetBytes(text));
        }

        File.SetUnixFileMode(path, mode);
    }

    /// <summary>A checked temporary configuration file: <see cref="Commit"/> moves it over the target, disposing removes it if still there.</summary>
    private sealed class PreparedConfig(string temp, string target) : IDisposable
    {
        public void Commit() => File.Move(temp, target, overwrite: true);

        public void Dispose()
        {
            try
            {
                File.Delete(temp);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Best effort: a stray provision* file is harmless.
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Incorrect provision token supplied by {CallerId} for {Action} in request {RequestId}")]
    private partial void LogBadToken(string callerId, string action, string requestId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Creating a new CSR in {SslDir}")]
    private partial void LogCreatingCsr(string sslDir);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rewriting configuration file {ConfigFile} in request {RequestId} from {CallerId} ({SenderId})")]
    private partial void LogRewriting(string configFile, string requestId, string callerId, string senderId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Adding configuration: {Key} = {Value}")]
    private partial void LogAdding(string key, string value);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Restarting server via request {RequestId} from {CallerId} ({SenderId}) after {Seconds}s")]
    private partial void LogRestarting(string requestId, string callerId, string senderId, double seconds);
}
