namespace Choria.Server.Registration;

/// <summary>
/// Why a registration tick published nothing: the poll of the data file failed, or the message could not be built
/// or sent. Counted in <c>choria_server_registration_failures_total{reason}</c> (docs/server.md).
/// </summary>
public enum RegistrationFailure
{
    DataFileMissing,
    DataFileEmpty,
    DataFileUnreadable,
    EmptyData,
    NotConnected,
    MessageFailed,
    PublishFailed,
}
