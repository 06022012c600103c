using System.Runtime.InteropServices;

namespace Choria.Agents.Filemgr;

/// <summary>The kind of a directory entry, as <c>status</c> reports it.</summary>
public enum FileKind
{
    File,
    Directory,
    Symlink,
    Other,
}

/// <summary>One <c>lstat</c> of a path: what <see cref="FileSystemInfo"/> does not offer (owner, ctime, the raw mode).</summary>
public sealed record UnixFileInfo(FileKind Kind, long Size, int Mode, uint Uid, uint Gid, DateTimeOffset Atime, DateTimeOffset Mtime, DateTimeOffset Ctime);

/// <summary>
/// Linux file metadata through <c>statx(2)</c> and user/group names through <c>getpwuid_r(3)</c>/<c>getgrgid_r(3)</c>.
/// statx is used rather than stat because its buffer has the same layout on every architecture, so one
/// declaration serves linux-x64 and linux-arm64; the P/Invoke is source generated, so it is AOT safe.
/// </summary>
public static partial class UnixFiles
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxBasicStats = 0x7ff;
    private const int ENOENT = 2;
    private const int ENOTDIR = 20;
    private const int ERANGE = 34;
    private const int SIfmt = 0xF000;
    private const int SIfreg = 0x8000;
    private const int SIfdir = 0x4000;
    private const int SIflnk = 0xA000;

    /// <summary>Metadata of <paramref name="path"/> itself (a symlink is not followed), or null when it does not exist.</summary>
    /// <exception cref="IOException">statx failed for another reason than a missing path (e.g. permission denied).</exception>
    public static UnixFileInfo? Lstat(string path)
    {
        if (Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxBasicStats, out var buf) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno is ENOENT or ENOTDIR
                ? null
                : throw new IOException($"cannot stat {path}: {Marshal.GetPInvokeErrorMessage(errno)}");
        }

        var kind = (buf.Mode & SIfmt) switch
        {
            SIfreg => FileKind.File,
            SIfdir => FileKind.Directory,
            SIflnk => FileKind.Symlink,
            _ => FileKind.Other,
        };
        return new(kind, (long)buf.Size, buf.Mode & 0xFFF, buf.Uid, buf.Gid, buf.Atime.ToTime(), buf.Mtime.ToTime(), buf.Ctime.ToTime());
    }

    /// <summary>The user name of <paramref name="uid"/> (files, LDAP, ... as NSS is configured), or null when it has none.</summary>
    public static string? UserName(uint uid) => LookupName((nint record, nint buffer, nuint size, out nint result) => GetPwUidR(uid, record, buffer, size, out result));

    /// <summary>The group name of <paramref name="gid"/>, or null when it has none.</summary>
    public static string? GroupName(uint gid) => LookupName((nint record, nint buffer, nuint size, out nint result) => GetGrGidR(gid, record, buffer, size, out result));

    private delegate int NameLookup(nint record, nint buffer, nuint size, out nint result);

    /// <summary>
    /// Both <c>struct passwd</c> and <c>struct group</c> start with the name pointer, so one reader serves both.
    /// The record needs at most 48 bytes on 64-bit Linux; the string buffer grows while the lookup says ERANGE.
    /// </summary>
    private static string? LookupName(NameLookup lookup)
    {
        var record = Marshal.AllocHGlobal(128);
        try
        {
            for (var size = 1024; size <= 1 << 20; size *= 4)
            {
                var buffer = Marshal.AllocHGlobal(size);
                try
                {
                    var rc = lookup(record, buffer, (nuint)size, out var result);
                    if (rc == ERANGE)
                    {
                        continue;
                    }

                    return rc != 0 || result == 0 ? null : Marshal.PtrToStringUTF8(Marshal.ReadIntPtr(result));
                }
                finally
                {
                    Marshal.FreeHGlobal(buffer);
                }
            }

            return null;
        }
        finally
        {
            Marshal.FreeHGlobal(record);
        }
    }

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int dirfd, string path, int flags, uint mask, out StatxBuffer buffer);

    [LibraryImport("libc", EntryPoint = "getpwuid_r")]
    private static partial int GetPwUidR(uint uid, nint record, nint buffer, nuint size, out nint result);

    [LibraryImport("libc", EntryPoint = "getgrgid_r")]
    private static partial int GetGrGidR(uint gid, nint record, nint buffer, nuint size, out nint result);

    [StructLayout(LayoutKind.Sequential)]
    private struct StatxTimestamp
    {
        public long Seconds;
        public uint Nanoseconds;
        public int Reserved;

        public readonly DateTimeOffset ToTime() => DateTimeOffset.FromUnixTimeSeconds(Seconds).AddTicks(Nanoseconds / 100);
    }

    /// <summary><c>struct statx</c> from linux/stat.h: 256 bytes, the same on every architecture.</summary>
    [StructLayout(LayoutKind.Sequential, Size = 256)]
    private struct StatxBuffer
    {
        public uint Mask;
        public uint BlockSize;
        public ulong Attributes;
        public uint Links;
        public uint Uid;
        public uint Gid;
        public ushort Mode;
        public ushort Spare0;
        public ulong Inode;
        public ulong Size;
        public ulong Blocks;
        public ulong AttributesMask;
        public StatxTimestamp Atime;
        public StatxTimestamp Btime;
        public StatxTimestamp Ctime;
        public StatxTimestamp Mtime;
    }
}
