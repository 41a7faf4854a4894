// The matio plugin (libscrawl_matio.so): the five matio calls data/mat.cpp makes, loaded with dlopen only when a
// .mat file is read (util/plugin.h says why). matio's own types cross the interface unchanged: both sides include
// the same <matio.h>.
#include <matio.h>

extern "C" {

mat_t* scrawl_matio_open(const char* path) {
  return Mat_Open(path, MAT_ACC_RDONLY);
}
void scrawl_matio_close(mat_t* mat) {
  Mat_Close(mat);
}
int scrawl_matio_rewind(mat_t* mat) {
  return Mat_Rewind(mat);
}
matvar_t* scrawl_matio_var_read(mat_t* mat, const char* name) {
  return Mat_VarRead(mat, name);
}
void scrawl_matio_var_free(matvar_t* var) {
  Mat_VarFree(var);
}
}
