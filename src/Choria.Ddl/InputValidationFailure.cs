namespace Choria.Ddl;

/// <summary>Why request data failed DDL validation; decides the status code of the reply.</summary>
public enum InputValidationFailure
{
    None,
    MissingInput,
    InvalidInput,
    UndeclaredInput,
}
