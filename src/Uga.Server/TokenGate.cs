using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Uga.Server;

/// <summary>
/// Who may ask. With a token, every request carries it (Authorization: Bearer, or ?token= once, which sets an
/// HttpOnly cookie so the viewer's tile requests carry it too). On loopback the Host header must name loopback, so a
/// web page elsewhere cannot reach the workbench through DNS rebinding.
/// </summary>
public sealed class TokenGate(WorkbenchOptions options)
{
    public const string Cookie = "uga_token";

    public async Task Invoke(HttpContext context, RequestDelegate next)
    {
        if (options.Token is null)
        {
            var host = context.Request.Host.Host;
            if (host is not ("localhost" or "127.0.0.1" or "[::1]" or "::1"))
            {
                await Refuse(context, StatusCodes.Status403Forbidden, $"host '{host}' is not loopback; bind another address with --host and --token");
                return;
            }
            await next(context);
            return;
        }
        string? fromQuery = context.Request.Query["token"];
        string? supplied = fromQuery ?? Bearer(context.Request.Headers.Authorization) ?? context.Request.Cookies[Cookie];
        if (supplied is null || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(supplied), Encoding.UTF8.GetBytes(options.Token)))
        {
            await Refuse(context, StatusCodes.Status401Unauthorized, "token required: open the address `uga serve` printed (it ends in ?token=...)");
            return;
        }
        if (fromQuery is not null)
            context.Response.Cookies.Append(Cookie, fromQuery, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, Path = "/" });
        await next(context);
    }

    private static string? Bearer(string? header) =>
        header is not null && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null;

    private static Task Refuse(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(new { error = message });
    }
}
