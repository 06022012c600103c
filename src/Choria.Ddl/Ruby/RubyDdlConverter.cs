using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Choria.Ddl.Ruby;

/// <summary>
/// Turns an MCollective Ruby DDL into the JSON DDL this implementation reads, by evaluating it with
/// MCollective's own DDL classes in Ruby (Ruby/ddl_to_json.rb). Results are cached under
/// <see cref="RubyDdlConverterOptions.CacheDirectory"/> keyed by a hash of the .ddl's content and of the
/// converter itself, so an edited DDL (or a new converter) is converted again and an unchanged one costs no Ruby.
/// </summary>
public sealed partial class RubyDdlConverter
{
    private const string ScriptResource = "Choria.Ddl.Ruby.ddl_to_json.rb";
    private const int HashChars = 16;

    private static readonly Lazy<byte[]> s_script = new(() =>
    {
        using var stream = typeof(RubyDdlConverter).Assembly.GetManifestResourceStream(ScriptResource)
            ?? throw new InvalidOperationException($"embedded resource {ScriptResource} is missing");
        using var ms = new MemoryStream();
        stream.CopyTo(ms);
        return ms.ToArray();
    });

    private readonly RubyDdlConverterOptions _options;
    private readonly ILogger _logger;

    public RubyDdlConverter(RubyDdlConverterOptions options, ILogger? logger = null)
    {
        _options = options;
        _logger = logger ?? NullLogger.Instance;
    }

    public RubyDdlConverterOptions Options => _options;

    /// <summary>The converter program, for running it by hand (<c>ruby ddl_to_json.rb agent.ddl</c>).</summary>
    public static ReadOnlyMemory<byte> Script => s_script.Value;

    /// <summary>Loads <paramref name="ddlPath"/> (a Ruby <c>.ddl</c>) as a JSON DDL; failures are returned, not thrown.</summary>
    public async Task<DdlLoadResult> LoadAsync(string ddlPath, CancellationToken cancellationToken)
    {
        byte[] source;
        try
        {
            source = await File.ReadAllBytesAsync(ddlPath, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new DdlLoadResult(null, $"could not read {ddlPath}: {e.Message}", ddlPath);
        }

        var name = Path.GetFileNameWithoutExtension(ddlPath);
        var cached = Path.Combine(_options.CacheDirectory, $"{name}-{Key(source)}.json");
        if (File.Exists(cached))
        {
            try
            {
                var bytes = await File.ReadAllBytesAsync(cached, cancellationToken).ConfigureAwait(false);
                var fromCache = DdlLoader.Parse(bytes, ddlPath);
                if (fromCache.Success)
                {
                    return fromCache;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                LogCacheUnreadable(cached, e.Message);
            }
        }

        var run = await RubyProcess.RunAsync(new RubyProcessStart
        {
            FileName = _options.Ruby,
            Arguments = ["-", ddlPath],
            Stdin = Script,
            Timeout = _options.Timeout,
            MaxStdoutBytes = 4 * 1024 * 1024,
        }, cancellationToken).ConfigureAwait(false);

        if (run.StartError is not null)
        {
            return new DdlLoadResult(null, $"could not convert {ddlPath} to JSON: {run.StartError}", ddlPath);
        }

        if (run.TimedOut)
        {
            return new DdlLoadResult(null, $"could not convert {ddlPath} to JSON: {_options.Ruby} did not finish within {_options.Timeout.TotalSeconds:0}s", ddlPath);
        }

        if (run.ExitCode != 0 || run.StdoutTooLarge)
        {
            var why = run.StderrTail.Length > 0 ? run.StderrTail : $"{_options.Ruby} exited with status {run.ExitCode}";
            return new DdlLoadResult(null, $"could not convert {ddlPath} to JSON: {why}", ddlPath);
        }

        var result = DdlLoader.Parse(run.Stdout, ddlPath);
        if (result.Success)
        {
            Store(name, cached, run.Stdout);
        }

        return result;
    }

    private void Store(string name, string cached, byte[] json)
    {
        try
        {
            Directory.CreateDirectory(_options.CacheDirectory);
            var temp = cached + "." + Environment.ProcessId + ".tmp";
            File.WriteAllBytes(temp, json);
            File.Move(temp, cached, overwrite: true);
            LogConverted(cached);

            // Older conversions of the same DDL are stale now. Agent names hold no '-', so the prefix is exact.
            foreach (var old in Directory.EnumerateFiles(_options.CacheDirectory, name + "-*.json"))
            {
                var stem = Path.GetFileNameWithoutExtension(old);
                if (old != cached && stem.Length == name.Length + 1 + HashChars)
                {
                    File.Delete(old);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogCacheUnwritable(_options.CacheDirectory, e.Message);
        }
    }

    private static string Key(byte[] source)
    {
        var all = new byte[s_script.Value.Length + source.Length];
        s_script.Value.CopyTo(all, 0);
        source.CopyTo(all, s_script.Value.Length);
        return Convert.ToHexStringLower(SHA256.HashData(all))[..HashChars];
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Converted a Ruby DDL to {Cached}")]
    private partial void LogConverted(string cached);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read the cached DDL {Cached}, converting again: {Reason}")]
    private partial void LogCacheUnreadable(string cached, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not write converted DDLs to {Directory}, they will be converted on every start: {Reason}")]
    private partial void LogCacheUnwritable(string directory, string reason);
}
