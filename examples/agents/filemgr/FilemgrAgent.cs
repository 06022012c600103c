using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Choria.Sdk;
using Microsoft.Extensions.Logging;

namespace Choria.Agents.Filemgr;

/// <summary>
/// The filemgr agent: <c>status</c> of any file, <c>touch</c> and <c>remove</c> of files inside
/// <c>plugin.filemgr.allowed_paths</c> (everywhere when unset). Its DDL (filemgr.json) is embedded, so the server
/// validates the input (an absolute path) before an action runs and fills the output defaults.
/// </summary>
public sealed partial class FilemgrAgent : Agent
{
    private static readonly string s_ddl = ReadEmbeddedDdl(typeof(FilemgrAgent).Assembly, "filemgr.json");
    private readonly PathPolicy _policy;

    public FilemgrAgent(IAgentContext context)
        : base(context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _policy = new PathPolicy(context.Config("allowed_paths"));
    }

    public override AgentInfo Info { get; } = new() { Name = "filemgr", Version = "1.0.0", Timeout = 10 };

    public override string DdlJson => s_ddl;

    public override void RegisterActions(ActionMap actions)
    {
        ArgumentNullException.ThrowIfNull(actions);
        // status only reads and never refuses, so it uses the typed form; touch and remove answer with their own statuses.
        actions.Add("status", FilemgrJson.Default.FileRequest, FilemgrJson.Default.StatusReply, (input, _, ct) => StatusAsync(input.File, ct));
        actions.Add("touch", TouchAsync);
        actions.Add("remove", RemoveAsync);
    }

    private async ValueTask<StatusReply> StatusAsync(string file, CancellationToken cancellationToken)
    {
        CheckPath(file);
        var info = UnixFiles.Lstat(file);
        if (info is null)
        {
            return new() { Name = file, Output = "not present" };
        }

        return new()
        {
            Name = file,
            Output = "present",
            Present = 1,
            Type = info.Kind.ToString().ToLowerInvariant(),
            Size = info.Size,
            Mode = Convert.ToString(info.Mode, 8).PadLeft(4, '0'),
            Uid = info.Uid,
            Gid = info.Gid,
            Owner = UnixFiles.UserName(info.Uid) ?? info.Uid.ToString(CultureInfo.InvariantCulture),
            Group = UnixFiles.GroupName(info.Gid) ?? info.Gid.ToString(CultureInfo.InvariantCulture),
            Md5 = info.Kind == FileKind.File ? await Md5Async(file, cancellationToken) : null,
            LinkTarget = info.Kind == FileKind.Symlink ? new FileInfo(file).LinkTarget : null,
            Mtime = Iso(info.Mtime),
            Ctime = Iso(info.Ctime),
            Atime = Iso(info.Atime),
            MtimeSeconds = info.Mtime.ToUnixTimeSeconds(),
            CtimeSeconds = info.Ctime.ToUnixTimeSeconds(),
            AtimeSeconds = info.Atime.ToUnixTimeSeconds(),
        };
    }

    private ValueTask<ActionResult> TouchAsync(ActionRequest request, CancellationToken cancellationToken)
    {
        if (Refuse(request, out var file) is { } refused)
        {
            return ValueTask.FromResult(refused);
        }

        var now = Context.Clock.GetUtcNow();
        bool created;
        try
        {
            var info = UnixFiles.Lstat(file);
            created = info is null;
            if (created)
            {
                using (new FileStream(file, FileMode.CreateNew, FileAccess.Write))
                {
                }
            }

            // Both times, as touch(1) does; a directory is touched like a file.
            if (info?.Kind == FileKind.Directory)
            {
                Directory.SetLastWriteTimeUtc(file, now.UtcDateTime);
                Directory.SetLastAccessTimeUtc(file, now.UtcDateTime);
            }
            else
            {
                File.SetLastWriteTimeUtc(file, now.UtcDateTime);
                File.SetLastAccessTimeUtc(file, now.UtcDateTime);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogFailed(Context.Logger, "touch", file, request.CallerId, e.Message);
            return ValueTask.FromResult(ActionResult.Aborted($"Could not touch {file}: {e.Message}"));
        }

        LogTouched(Context.Logger, file, created, request.CallerId);
        return ValueTask.FromResult(Reply(new TouchReply { Created = created, Mtime = Iso(now), MtimeSeconds = now.ToUnixTimeSeconds() }, FilemgrJson.Default.TouchReply));
    }

    private ValueTask<ActionResult> RemoveAsync(ActionRequest request, CancellationToken cancellationToken)
    {
        if (Refuse(request, out var file) is { } refused)
        {
            return ValueTask.FromResult(refused);
        }

        try
        {
            var info = UnixFiles.Lstat(file);
            if (info is null)
            {
                // Already gone is what the caller wanted: not an error, but the reply says nothing was removed.
                return ValueTask.FromResult(Reply(new RemoveReply { Removed = false }, FilemgrJson.Default.RemoveReply));
            }

            if (info.Kind != FileKind.File)
            {
                var what = info.Kind == FileKind.Other ? "not a regular file" : $"a {info.Kind.ToString().ToLowerInvariant()}";
                LogFailed(Context.Logger, "remove", file, request.CallerId, what);
                return ValueTask.FromResult(ActionResult.Aborted($"Could not remove {file}: it is {what}, and filemgr removes regular files only"));
            }

            File.Delete(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogFailed(Context.Logger, "remove", file, request.CallerId, e.Message);
            return ValueTask.FromResult(ActionResult.Aborted($"Could not remove {file}: {e.Message}"));
        }

        LogRemoved(Context.Logger, file, request.CallerId);
        return ValueTask.FromResult(Reply(new RemoveReply { Removed = true }, FilemgrJson.Default.RemoveReply));
    }

    /// <summary>The reason a changing action may not run, or null with <paramref name="file"/> set.</summary>
    private ActionResult? Refuse(ActionRequest request, out string file)
    {
        FileRequest? input;
        try
        {
            input = request.Data.Deserialize(FilemgrJson.Default.FileRequest);
        }
        catch (JsonException e)
        {
            file = "";
            return ActionResult.Fail(ReplyStatus.InvalidData, $"Could not parse the request data: {e.Message}");
        }

        file = input?.File ?? "";
        try
        {
            CheckPath(file);
        }
        catch (ArgumentException e)
        {
            return ActionResult.Fail(ReplyStatus.InvalidData, e.Message);
        }

        if (!_policy.Allows(file))
        {
            LogOutside(Context.Logger, request.Action, file, request.CallerId);
            return ActionResult.Fail(ReplyStatus.UnknownError,
                $"{file} is outside the paths filemgr may change (plugin.filemgr.allowed_paths: {string.Join(", ", _policy.Prefixes)})");
        }

        return null;
    }

    /// <summary>The DDL already requires an absolute path; this also guards callers that skip the DDL (tests, other hosts).</summary>
    private static void CheckPath(string file)
    {
        if (!file.StartsWith('/'))
        {
            throw new ArgumentException($"file must be an absolute path, got '{file}'");
        }

        if (file.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("file may not contain a NUL character");
        }
    }

    private async Task<string?> Md5Async(string file, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 64 * 1024, FileOptions.Asynchronous | FileOptions.SequentialScan);
            // MD5 as a content fingerprint, the output filemgr always had; it is not used for security.
#pragma warning disable CA5351
            return Convert.ToHexStringLower(await MD5.HashDataAsync(stream, cancellationToken));
#pragma warning restore CA5351
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogFailed(Context.Logger, "read", file, "the md5 digest", e.Message);
            return null;
        }
    }

    private static ActionResult Reply<T>(T reply, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) =>
        ActionResult.Ok((JsonObject)JsonSerializer.SerializeToNode(reply, type)!);

    private static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    [LoggerMessage(Level = LogLevel.Information, Message = "Touched {File} (created: {Created}) for {CallerId}")]
    private static partial void LogTouched(ILogger logger, string file, bool created, string callerId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed {File} for {CallerId}")]
    private static partial void LogRemoved(ILogger logger, string file, string callerId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused to {Action} {File} for {CallerId}: outside plugin.filemgr.allowed_paths")]
    private static partial void LogOutside(ILogger logger, string action, string file, string callerId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not {Action} {File} for {CallerId}: {Reason}")]
    private static partial void LogFailed(ILogger logger, string action, string file, string callerId, string reason);
}
