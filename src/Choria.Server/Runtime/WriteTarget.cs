namespace Choria.Server.Runtime;

/// <summary>Files the server writes while it runs; a failed write is counted per file (<c>choria_server_write_failures_total</c>).</summary>
public enum WriteTarget
{
    StatusFile,
    AuditLog,
}
