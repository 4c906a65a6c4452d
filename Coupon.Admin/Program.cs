using Coupon.Admin;
using Coupon.Admin.SignIn;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddAdminConsole();

var app = builder.Build();

app.UseAdminConsole();
app.MapDefaultEndpoints(OperatorPolicy.Name);

app.Run();
