// The compiled half of the Python package `ntkcert` (python/ntkcert/__init__.py wraps it): the
// module definition and the translation of the library's exceptions. The functions live by concept
// in infinite_width.cpp, finite_width.cpp and lipschitz.cpp; conversions and the interruptible
// computation guard in common.cpp.
#include "certificate/certificate.hpp"
#include "certificate/io.hpp"
#include "certificate/json.hpp"
#include "common.hpp"
#include "data/errors.hpp"

PYBIND11_MODULE(_ntkcert, m) {
  namespace py = pybind11;
  m.doc() = "Compiled part of ntkcert; use the package `ntkcert`.";
  // Bad input raises ValueError with the message certify prints (after "certify <command>: ").
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const certify::usage_error& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const ntk::data_error& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const ntk::certificate_error& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const ntk::io_error& e) {
      PyErr_SetString(PyExc_OSError, e.what());
    } catch (const std::invalid_argument& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    }
  });
  pyntk::register_infinite_width(m);
  pyntk::register_finite_width(m);
  pyntk::register_lipschitz(m);
  m.def("_max_report_gap", &pyntk::last_max_report_gap,
        "Largest gap in seconds between two progress reports of the last computation (how promptly "
        "Ctrl-C could stop it).");
  m.attr("__version__") = "0.1.0";
}
