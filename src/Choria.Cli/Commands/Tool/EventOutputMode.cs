namespace Choria.Cli.Commands.Tool;

public enum EventOutputMode
{
    Text,
    Json,
    Raw,
}
