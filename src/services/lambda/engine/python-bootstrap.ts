/**
 * Drydock's runtime for the python3.x managed runtimes: one module the host's python runs as
 * /var/runtime/bootstrap.py, speaking the Lambda Runtime API as AWS's awslambdaric does. It
 * imports `_HANDLER` (`package/module.function`) from LAMBDA_TASK_ROOT (with /opt/python and its
 * site-packages on the path, where layers put libraries), reports init errors with AWS's types and
 * messages (Runtime.MalformedHandlerName, Runtime.ImportModuleError, Runtime.UserCodeSyntaxError,
 * Runtime.HandlerNotFound), then loops on /invocation/next with AWS's context object
 * (aws_request_id, function_name, get_remaining_time_in_millis(), log_stream_name …), AWS's error
 * payload (errorMessage, errorType, requestId, stackTrace) and its log format for the root logger.
 * It runs in LAMBDA_TASK_ROOT, as AWS's runtimes do.
 *
 * Kept as source text because it runs on the host's python, not inside Drydock.
 */
export const PYTHON_BOOTSTRAP = String.raw`
import http.client, importlib, json, logging, os, sys, time, traceback

# A spare environment starts before its function is known: its function's variables arrive on
# stdin as one JSON line (DRYDOCK_LAMBDA_ASSIGNMENT=stdin); otherwise they are in the environment.
if os.environ.pop("DRYDOCK_LAMBDA_ASSIGNMENT", None) == "stdin":
    os.environ.update(json.loads(sys.stdin.readline()))
    sys.stdin.close()
RUNTIME = os.environ["AWS_LAMBDA_RUNTIME_API"]
TASK_ROOT = os.environ["LAMBDA_TASK_ROOT"]
HANDLER = os.environ.get("_HANDLER", "")
os.chdir(TASK_ROOT)
connection = http.client.HTTPConnection(RUNTIME)


def call(method, path, body=None, headers=None):
    global connection
    for attempt in (1, 2):
        try:
            connection.request(method, "/2018-06-01/runtime" + path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response, response.read()
        except (http.client.HTTPException, ConnectionError):
            connection.close()
            connection = http.client.HTTPConnection(RUNTIME)
            if attempt == 2:
                raise


class RuntimeFault(Exception):
    def __init__(self, error_type, message):
        super().__init__(message)
        self.error_type = error_type


def error_payload(error, request_id="", error_type=None):
    # The runtime's own frames are not the function's: AWS's stackTrace starts in the function.
    frames = traceback.format_list([frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename != __file__])
    return {
        "errorMessage": str(error),
        "errorType": error_type or getattr(error, "error_type", None) or type(error).__name__,
        "requestId": request_id,
        "stackTrace": frames,
    }


def load_handler():
    if "." not in HANDLER or HANDLER.startswith(".") or HANDLER.endswith("."):
        raise RuntimeFault("Runtime.MalformedHandlerName", "Bad handler '%s': not enough values to unpack (expected 2, got 1)" % HANDLER)
    module_path, function_name = HANDLER.rsplit(".", 1)
    module_name = module_path.replace("/", ".")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise RuntimeFault("Runtime.ImportModuleError", "Unable to import module '%s': %s" % (module_path, error))
    except SyntaxError as error:
        raise RuntimeFault("Runtime.UserCodeSyntaxError", "Syntax error in module '%s': %s" % (module_path, error))
    handler = getattr(module, function_name, None)
    if handler is None:
        raise RuntimeFault("Runtime.HandlerNotFound", "Handler '%s' missing on module '%s'" % (function_name, module_path))
    return handler


class Context:
    def __init__(self, request_id, deadline_ms, invoked_arn, client_context, identity):
        self.aws_request_id = request_id
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = invoked_arn
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.client_context = client_context
        self.identity = identity
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        return max(0, self._deadline_ms - int(time.time() * 1000))


class RequestIdFilter(logging.Filter):
    request_id = None

    def filter(self, record):
        record.aws_request_id = RequestIdFilter.request_id
        return True


def setup_logging():
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n", "%Y-%m-%dT%H:%M:%S"))
    handler.formatter.converter = time.gmtime
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(logging.WARNING)


def log_error(payload):
    text = "[ERROR] %s: %s\nTraceback (most recent call last):\n%s" % (payload["errorType"], payload["errorMessage"], "".join(payload["stackTrace"]))
    sys.stdout.write(text.replace("\n", "\r") + "\n")


def main():
    setup_logging()
    sys.path.insert(0, TASK_ROOT)
    try:
        handler = load_handler()
    except Exception as error:
        payload = error_payload(error)
        payload["stackTrace"] = []
        log_error(payload)
        call("POST", "/init/error", json.dumps(payload), {"Lambda-Runtime-Function-Error-Type": payload["errorType"]})
        sys.exit(1)
    while True:
        response, body = call("GET", "/invocation/next")
        request_id = response.getheader("Lambda-Runtime-Aws-Request-Id")
        trace_id = response.getheader("Lambda-Runtime-Trace-Id")
        if trace_id:
            os.environ["_X_AMZN_TRACE_ID"] = trace_id
        else:
            os.environ.pop("_X_AMZN_TRACE_ID", None)
        RequestIdFilter.request_id = request_id
        client_context = response.getheader("Lambda-Runtime-Client-Context")
        identity = response.getheader("Lambda-Runtime-Cognito-Identity")
        context = Context(
            request_id,
            int(response.getheader("Lambda-Runtime-Deadline-Ms")),
            response.getheader("Lambda-Runtime-Invoked-Function-Arn"),
            json.loads(client_context) if client_context else None,
            json.loads(identity) if identity else None,
        )
        try:
            event = json.loads(body) if body else None
            result = handler(event, context)
            try:
                output = json.dumps(result)
            except (TypeError, ValueError) as error:
                raise RuntimeFault("Runtime.MarshalError", "Unable to marshal response: %s" % error)
            call("POST", "/invocation/%s/response" % request_id, output, {"Content-Type": "application/json"})
        except Exception as error:
            payload = error_payload(error, request_id)
            log_error(payload)
            call("POST", "/invocation/%s/error" % request_id, json.dumps(payload), {"Lambda-Runtime-Function-Error-Type": payload["errorType"]})


main()
`;
