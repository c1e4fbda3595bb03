using Microsoft.AspNetCore.Http;
using Tessera.Protocol.Wire;

namespace Tessera.Coordinator.Api;

/// <summary>Every refusal is a 4xx with a JSON body {"error": "..."} that says what was wrong.</summary>
public static class ApiErrors
{
    public static IResult Error(int status, string message) => Results.Json(new ErrorResponse(message), WireJson.Options, statusCode: status);
    public static IResult BadRequest(string message) => Error(StatusCodes.Status400BadRequest, message);
    public static IResult Unauthorized(string message) => Error(StatusCodes.Status401Unauthorized, message);
    public static IResult Forbidden(string message) => Error(StatusCodes.Status403Forbidden, message);
    public static IResult NotFound(string message) => Error(StatusCodes.Status404NotFound, message);
    public static IResult Conflict(string message) => Error(StatusCodes.Status409Conflict, message);
    public static IResult TooLarge(string message) => Error(StatusCodes.Status413PayloadTooLarge, message);
}

/// <summary>An upload refused with a status and a reason; thrown by validation before anything changes.</summary>
public sealed class UploadRejectedException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;
}
